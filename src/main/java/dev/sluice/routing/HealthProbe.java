package dev.sluice.routing;

import java.time.Duration;

/**
 * A backend's active health check as configured (contract §6.1): the GET's path under the backend's URL, how often and
 * how long it may take, and how many failures (passes) in a row mark the backend down (up).
 */
public record HealthProbe(String path, Duration interval, Duration timeout, int failureThreshold, int successThreshold) {
}
