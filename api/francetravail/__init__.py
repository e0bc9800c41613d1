"""France Travail's « Offres d'emploi v2 » API: its client and the mapping to offers."""
