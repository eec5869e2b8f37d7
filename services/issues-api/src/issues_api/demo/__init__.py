"""The demo data set: the seed report's round, orgs and 12 problems."""
