"""The `make up` runner: checks, databases, migrations, demo data and one supervisor."""
