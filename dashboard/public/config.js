// FINML dashboard configuration. The local runtime (npm start) serves its own config.js in place of
// this file, and a deployment may upload one, setting:
//   window.FINML_CONFIG = { apiUrl: 'https://…/prod', apiKey: '…' };
// Without it the dashboard uses the API URL and key saved in Settings, else this site's /api.
window.FINML_CONFIG = window.FINML_CONFIG || null;
