"""Digitisation workers: `python -m archivos worker --concurrency N`, processes of their own.

They read their own durable queue, `archivos.digitalizacion` (quorum, bounded redelivery, DLQ
`archivos.digitalizacion.dlq`), bound to `sigexp.archivo.adjuntado.v1` and `.reemplazado.v1`,
with a prefetch equal to the concurrency: a long OCR holds only its own slot. Each job
downloads its version's object, checks its SHA-256, sets PROCESANDO, digitises it in a child
process (`archivos.procesamiento`) while the pages done are written as they finish, stores
the thumbnail and the text under keys made from the version, and in one transaction sets LISTO
and queues `sigexp.archivo.procesado.v1` in the outbox. The message is acknowledged only then:
a worker killed mid-job leaves it to another (PROCESANDO locks nothing).
"""
