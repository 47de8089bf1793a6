// A fixture app: only its lockfile matters to the hooks tests.
require('http').createServer((_, res) => res.end('ok')).listen(process.env.PORT || 8080);
