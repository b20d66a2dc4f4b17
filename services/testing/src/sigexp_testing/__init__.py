"""Test and local-run helpers: real servers (PostgreSQL, RabbitMQ, nanio, SMTP), never mocks."""
