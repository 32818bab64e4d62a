// Text of the staff's community programs screen (tip triage, camera rebate review) in English and Spanish, merged
// into the app's tables by core/strings.ts.
// Every English key needs its Spanish text (the type says so). Placeholders: {name}.

export const en = {
  "programs.title": "Community programs",
  "programs.tips": "Tip queue",
  "programs.reference": "Reference",
  "programs.reporter": "Reporter",
  "programs.anonymous": "anonymous",
  "programs.triage": "Triage tip {ref}",
  "programs.triage_short": "Triage",
  "programs.note_to_reporter": "Note to the reporter",
  "programs.save": "Save",
  "programs.rebates": "Camera rebate applications",
  "programs.budget": "Budget {total}: {available} available, {committed} committed, {paid} paid; {waiting} waiting.",
  "programs.neighborhood": "Neighborhood",
  "programs.rebate": "Rebate",
  "programs.submitted": "Submitted",
  "programs.approve": "Approve",
  "programs.approve_at": "Approve the application for {address}",
  "programs.deny": "Deny",
  "programs.deny_at": "Deny the application for {address}",
  "programs.queue_empty": "No applications are waiting for review.",
} as const;

export const es: Record<keyof typeof en, string> = {
  "programs.title": "Programas comunitarios",
  "programs.tips": "Cola de avisos",
  "programs.reference": "Referencia",
  "programs.reporter": "Informante",
  "programs.anonymous": "anónimo",
  "programs.triage": "Clasificar el aviso {ref}",
  "programs.triage_short": "Clasificar",
  "programs.note_to_reporter": "Nota para el informante",
  "programs.save": "Guardar",
  "programs.rebates": "Solicitudes de reembolso por cámara",
  "programs.budget": "Presupuesto {total}: {available} disponible, {committed} comprometido, {paid} pagado; {waiting} en espera.",
  "programs.neighborhood": "Vecindario",
  "programs.rebate": "Reembolso",
  "programs.submitted": "Enviada",
  "programs.approve": "Aprobar",
  "programs.approve_at": "Aprobar la solicitud para {address}",
  "programs.deny": "Denegar",
  "programs.deny_at": "Denegar la solicitud para {address}",
  "programs.queue_empty": "No hay solicitudes pendientes de revisión.",
};
