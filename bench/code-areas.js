'use strict';
// The code area a stack frame of async-profiler's collapsed output belongs to (it marks kernel frames with _[k]),
// shared by the profile summaries (bench/cpu-profile-summary.js, bench/alloc-profile-summary.js).
function area(frame) {
  if (frame.endsWith('_[k]')) return 'kernel';
  if (frame.startsWith('dev/sluice/')) return 'Sluice';
  if (frame.includes('/jackson/')) return 'Jackson';
  if (frame.includes('/faulttolerance/')) return 'SmallRye Fault Tolerance';
  if (frame.includes('micrometer') || frame.includes('prometheus')) return 'Micrometer';
  if (frame.startsWith('io/vertx/ext/')) return 'Vert.x Web';
  if (frame.startsWith('io/vertx/')) return 'Vert.x core';
  if (frame.startsWith('io/netty/')) return 'Netty';
  if (frame.startsWith('io/quarkus/') || frame.startsWith('io/smallrye/')) return 'Quarkus / SmallRye';
  if (/^(java|javax|jdk|sun)\//.test(frame)) return 'JDK';
  if (frame.includes('/')) return 'other Java';
  return 'JVM / native';
}

module.exports = { area };
