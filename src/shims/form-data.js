// axios's Node build imports the `form-data` package (and with it mime-db, 130 KB) for multipart bodies, which
// this extension never sends. Node's own FormData (global since Node 18) takes its place in the bundle.
module.exports = globalThis.FormData;
