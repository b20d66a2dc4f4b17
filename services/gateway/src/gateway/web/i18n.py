"""The Spanish labels of the API's codes (API.md: codes travel in ASCII, the UI shows these).

The pages render them and hand the same table to the scripts as a JSON data block."""

from __future__ import annotations

ESTADOS = {
    "EN_TRAMITE": "En trámite",
    "RECEPCION_PENDIENTE": "Recepción pendiente",
    "EN_REVISION": "En revisión",
    "ARCHIVADO": "Archivado",
    "ANULADO": "Anulado",
}
CARACTERES = {"PUBLICO": "Público", "RESERVADO": "Reservado"}
PERMISOS = {"ESCRITURA": "Escritura", "LECTURA": "Lectura"}
PERFILES = {
    "MESA_ENTRADA": "Mesa de entradas",
    "OFICINA": "Oficina",
    "CARGA": "Carga de documentos",
    "CONSULTA": "Consulta",
    "AUTORIDAD": "Autoridad",
    "ADMIN": "Administración",
}
ESTADOS_PASE = {
    "PENDIENTE": "En camino",
    "RECIBIDO": "Recibido",
    "RECHAZADO": "Rechazado",
    "REVERTIDO": "Revertido",
}
ESTADOS_SOLICITUD = {"PENDIENTE": "Pendiente", "APROBADA": "Aprobada", "RECHAZADA": "Rechazada"}
PROCESAMIENTO = {
    "PENDIENTE": "En espera de procesamiento",
    "PROCESANDO": "Procesando",
    "LISTO": "Procesado",
    "ERROR": "Error al procesar",
}
ACCIONES = {
    "expediente.iniciado": "Alta del expediente",
    "expediente.crear": "Alta del expediente",
    "expediente.editado": "Edición",
    "expediente.editar": "Edición",
    "expediente.estado_cambiado": "Cambio de estado",
    "expediente.anulado": "Anulación",
    "expediente.ver": "Consulta del detalle",
    "expediente.buscar": "Búsqueda",
    "expediente.consulta_global": "Consulta global",
    "expediente.ver_historial": "Consulta del historial",
    "expediente.ver_caratula": "Impresión de la carátula",
    "expediente.vinculado": "Vinculación",
    "expediente.desvinculado": "Desvinculación",
    "expediente.acumulado": "Acumulación",
    "expediente.desglosado": "Desglose",
    "expediente.corregir": "Corrección de fojas o tomos",
    "solicitud_baja.creada": "Solicitud de baja",
    "pase.enviado": "Pase enviado",
    "pase.enviar": "Pase enviado",
    "pase.recibido": "Pase recibido",
    "pase.recibir": "Pase recibido",
    "pase.rechazado": "Pase rechazado",
    "pase.rechazar": "Pase rechazado",
    "pase.revertido": "Pase revertido",
    "pase.ver_recorrido": "Consulta del recorrido",
    "remito.emitido": "Remito emitido",
    "remito.ver": "Consulta del remito",
    "archivo.adjuntado": "Archivo adjuntado",
    "archivo.subir": "Archivo adjuntado",
    "archivo.reemplazado": "Nueva versión de archivo",
    "archivo.reemplazar": "Nueva versión de archivo",
    "archivo.eliminado": "Archivo quitado",
    "archivo.eliminar": "Archivo quitado",
    "archivo.procesado": "Archivo procesado",
    "archivo.descargar": "Descarga de archivo",
    "archivo.listar": "Consulta de archivos",
    "archivo.ver_miniatura": "Consulta de miniatura",
    "anotacion.agregada": "Anotación agregada",
    "anotacion.agregar": "Anotación agregada",
    "anotacion.eliminada": "Anotación eliminada",
    "anotacion.eliminar": "Anotación eliminada",
    "anotacion.listar": "Consulta de anotaciones",
    "auth.login": "Ingreso al sistema",
    "auth.login_fallido": "Ingreso fallido",
    "auth.logout": "Salida del sistema",
    "auth.refresh": "Renovación de sesión",
    "auth.password_cambiar": "Cambio de contraseña",
    "auth.password_olvido": "Pedido de restablecimiento",
    "auth.password_restablecer": "Contraseña restablecida",
    "usuario.crear": "Alta de usuario",
    "usuario.editar": "Edición de usuario",
    "catalogo.importar": "Importación de catálogo",
    "auditoria.consultar": "Consulta de auditoría",
    "auditoria.verificar": "Verificación de la cadena",
    "auditoria.exportar": "Exportación de auditoría",
}
MESES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]

ETIQUETAS: dict[str, dict[str, str]] = {
    "estado": ESTADOS,
    "caracter": CARACTERES,
    "permiso": PERMISOS,
    "perfil": PERFILES,
    "estado_pase": ESTADOS_PASE,
    "estado_solicitud": ESTADOS_SOLICITUD,
    "procesamiento": PROCESAMIENTO,
    "accion": ACCIONES,
}

# The menu: (path, label, profiles that see it; empty = everyone signed in).
MENU: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/ui/expedientes", "Consulta de Expedientes", ()),
    ("/ui/consulta-global", "Consulta Global", ()),
    ("/ui/expedientes/nuevo", "Alta de Expediente", ("MESA_ENTRADA",)),
    ("/ui/en-mesa", "Expedientes en mesa", ("MESA_ENTRADA", "OFICINA")),
    ("/ui/pases", "Pases múltiples", ("MESA_ENTRADA", "OFICINA")),
    ("/ui/estadisticas", "Estadísticas de mesa", ("MESA_ENTRADA", "OFICINA", "AUTORIDAD", "ADMIN")),
    ("/ui/auditoria", "Auditoría", ("AUTORIDAD", "ADMIN")),
    ("/ui/admin", "Administración", ("ADMIN",)),
)
