const http = require('http');
http.createServer((req, res) => res.end('node-lockfile\n')).listen(process.env.PORT || 8080);
