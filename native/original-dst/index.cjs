'use strict';
// Loads the compiled addon; a missing build surfaces as the require error, which the proxy
// reports as "transparent capture needs the native original-dst addon: …".
module.exports = require('./build/Release/original_dst.node');
