'use strict';
// @adminjs/express imports express-formidable when it loads, but only its buildRouter and
// buildAuthenticatedRouter call it, and the panel uses neither: it mounts AdminJS's routes with
// buildRoutes after parsing forms itself (src/admin/body.ts). This stand-in keeps formidable 1 out.
module.exports = function formidableMiddleware() {
  throw new Error('express-formidable is not installed: the panel parses forms in src/admin/body.ts');
};
