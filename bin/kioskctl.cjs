#!/usr/bin/env node
require('../dist/cli/kioskctl.cjs');
