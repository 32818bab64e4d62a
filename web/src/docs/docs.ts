// The API documentation page (/docs): Swagger UI bundled from the npm package swagger-ui-dist into this build, so
// the page works without reaching any CDN (FastAPI's default page loads Swagger UI from one). It reads /openapi.json.

import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
