"""The unit tier is a package, so that its test modules may share a name with another tier's
(test_postgres_backup.py in unit and component): pytest imports them as unit.<name>.
"""
