#!/usr/bin/env node
// The process itself: no wrapper shell, so signals reach node directly.
import "../dist/main.js";
