"""What defends the service: password hashing and policy, staff sessions, login throttling,
and the body-size limit of every request."""
