// The app's text in English and Spanish. The Spanish table must have every key of the English one (the type says
// so, and `npm run build` type-checks it). Placeholders: {name}. Each domain keeps its own pair of tables in its
// folder (`<domain>/strings.ts`, exporting `en` and `es`); this file holds only the shared text (the shell and its
// navigation, sign-in, role names, common words) and merges every domain's tables, so `t()` sees one table per
// language.

import * as account from "../account/strings";
import * as admin from "../admin/strings";
import * as alerts from "../alerts/strings";
import * as analytics from "../analytics/strings";
import * as audit from "../audit/strings";
import * as cameras from "../cameras/strings";
import * as field from "../field/strings";
import * as community from "../community/strings";
import * as dispatch from "../dispatch/strings";
import * as drones from "../drones/strings";
import * as footage from "../footage/strings";
import * as governance from "../governance/strings";
import * as investigations from "../investigations/strings";
import * as map from "../map/strings";
import * as oversight from "../oversight/strings";
import * as portal from "../portal/strings";
import * as patrol from "../patrol/strings";
import * as simulator from "../simulator/strings";

const core = {
  "shell.title": "OpenRTCC",
  "shell.skip": "Skip to content",
  "shell.nav": "Main",
  "shell.language": "Language",
  "shell.sign_out": "Sign out",
  "shell.not_found": "Page not found",
  "shell.forbidden": "Your role may not open this screen.",
  "shell.live.connecting": "Connecting…",
  "shell.live.live": "Live",
  "shell.live.reconnecting": "Reconnecting…",
  "shell.live.offline": "Not connected",
  "nav.live": "Live map & alerts",
  "nav.search": "Search",
  "nav.canvass": "Canvass",
  "nav.cameras": "Camera health",
  "nav.audit": "Audit",
  "nav.hotlists": "Hotlists",
  "nav.users": "Users & keys",
  "nav.governance": "Retention & sharing",
  "nav.programs": "Community programs",
  "role.admin": "administrator",
  "role.supervisor": "supervisor",
  "role.analyst": "analyst",
  "role.dispatcher": "dispatcher",
  "role.officer": "officer",
  "role.auditor": "auditor",
  "role.program_staff": "program staff",
  "role.contract_viewer": "contract viewer",
  "role.rtcc_supervisor": "RTCC supervisor (all divisions)",
  "role.rtcc_analyst": "RTCC analyst (all divisions)",
  "division.none": "none",
  "division.all": "All divisions",
  "division.unset": "No division set: ask an administrator",
  "role.ops": "operations",
  "role.resident": "resident",
  "role.business": "business",
  "login.title": "Sign in",
  "login.username": "User name",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.failed": "Sign-in failed: {detail}",
  "login.community": "Residents and businesses: the community portal",
  "login.transparency": "Transparency portal (public)",
  "common.failed": "That did not work: {detail}",
  "common.not_installed": "This part is not available on this server yet.",
  "common.yes": "yes",
  "common.no": "no",
  "common.add": "Add",
  "common.remove": "Remove",
  "common.find": "Find",
} as const;

export const en = {
  ...core,
  ...map.en,
  ...alerts.en,
  ...investigations.en,
  ...cameras.en,
  ...footage.en,
  ...audit.en,
  ...governance.en,
  ...admin.en,
  ...community.en,
  ...portal.en,
  ...dispatch.en,
  ...drones.en,
  ...field.en,
  ...patrol.en,
  ...simulator.en,
  ...account.en,
  ...analytics.en,
  ...oversight.en,
} as const;

export type Key = keyof typeof en;

const coreEs: Record<keyof typeof core, string> = {
  "shell.title": "OpenRTCC",
  "shell.skip": "Saltar al contenido",
  "shell.nav": "Principal",
  "shell.language": "Idioma",
  "shell.sign_out": "Cerrar sesión",
  "shell.not_found": "Página no encontrada",
  "shell.forbidden": "Su función no permite abrir esta pantalla.",
  "shell.live.connecting": "Conectando…",
  "shell.live.live": "En vivo",
  "shell.live.reconnecting": "Reconectando…",
  "shell.live.offline": "Sin conexión",
  "nav.live": "Mapa en vivo y alertas",
  "nav.search": "Búsqueda",
  "nav.canvass": "Sondeo de cámaras",
  "nav.cameras": "Estado de cámaras",
  "nav.audit": "Auditoría",
  "nav.hotlists": "Listas de alerta",
  "nav.users": "Usuarios y claves",
  "nav.governance": "Conservación y uso compartido",
  "nav.programs": "Programas comunitarios",
  "role.admin": "administrador",
  "role.supervisor": "supervisor",
  "role.analyst": "analista",
  "role.dispatcher": "despachador",
  "role.officer": "agente",
  "role.auditor": "auditor",
  "role.program_staff": "personal de programas",
  "role.contract_viewer": "visor del contrato",
  "role.rtcc_supervisor": "supervisor del RTCC (todas las divisiones)",
  "role.rtcc_analyst": "analista del RTCC (todas las divisiones)",
  "division.none": "ninguna",
  "division.all": "Todas las divisiones",
  "division.unset": "Sin división asignada: pida a un administrador",
  "role.ops": "operaciones",
  "role.resident": "residente",
  "role.business": "negocio",
  "login.title": "Iniciar sesión",
  "login.username": "Nombre de usuario",
  "login.password": "Contraseña",
  "login.submit": "Entrar",
  "login.failed": "No se pudo iniciar sesión: {detail}",
  "login.community": "Residentes y negocios: el portal comunitario",
  "login.transparency": "Portal de transparencia (público)",
  "common.failed": "No funcionó: {detail}",
  "common.not_installed": "Esta parte aún no está disponible en este servidor.",
  "common.yes": "sí",
  "common.no": "no",
  "common.add": "Agregar",
  "common.remove": "Quitar",
  "common.find": "Buscar",
};

export const es: Record<Key, string> = {
  ...coreEs,
  ...map.es,
  ...alerts.es,
  ...investigations.es,
  ...cameras.es,
  ...footage.es,
  ...audit.es,
  ...governance.es,
  ...admin.es,
  ...community.es,
  ...portal.es,
  ...dispatch.es,
  ...drones.es,
  ...field.es,
  ...patrol.es,
  ...simulator.es,
  ...account.es,
  ...analytics.es,
  ...oversight.es,
};
