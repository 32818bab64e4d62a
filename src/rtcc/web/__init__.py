"""The web front end as the server sees it: the built single-page app (``web/`` built by Vite into ``dist/``), served
under ``/app/`` (staff dashboard) and ``/portal/`` (community portal), and its public configuration endpoint."""
