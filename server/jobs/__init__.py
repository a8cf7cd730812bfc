"""Background work on dramatiq: broker set-up, thin actors, the worker process and its sweep.

Order matters: `broker.install()` calls dramatiq.set_broker before `server.jobs.actors` is
imported, or dramatiq would silently create a RabbitMQ broker on localhost for the actors.
"""
