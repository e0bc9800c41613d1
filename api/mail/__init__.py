"""E-mail: the messages Couloir writes (la criée) and the SMTP transport that sends them."""
