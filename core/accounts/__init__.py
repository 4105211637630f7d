"""Staff accounts: who may log in, and which role each has."""
