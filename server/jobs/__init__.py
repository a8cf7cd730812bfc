"""Background work: periodic ticks (APScheduler), and dramatiq for the mirror's deliveries.

Order matters: `broker.install()` calls dramatiq.set_broker before `server.jobs.actors` is
imported, or dramatiq would silently create a RabbitMQ broker on localhost for the actors.
"""
