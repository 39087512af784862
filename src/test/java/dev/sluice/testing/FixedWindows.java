package dev.sluice.testing;

import java.time.Duration;

/**
 * Keeps a test that counts in a fixed window (a request quota's window, a token minute) out of the window's last
 * moments. Those windows are aligned to the Unix epoch (contract §4.2): a test whose requests straddle a window's end
 * sees some counted in the old window and the rest in the new one, and its count is wrong for no fault of the proxy
 * (CI once read {@code quota.used} 0 for a request admitted 90 ms before 06:00:00 and read just after).
 */
public final class FixedWindows {

    private FixedWindows() {
    }

    /**
     * Returns at once when the current window of length {@code window} has more than {@code room} left; otherwise
     * waits until the next window has begun (plus 50 ms, so that the proxy's clock and this one agree on it).
     */
    public static void awayFromTheEnd(Duration window, Duration room) {
        long length = window.toMillis();
        long now = System.currentTimeMillis();
        long end = (now / length + 1) * length;
        if (end - now > room.toMillis()) {
            return;
        }
        try {
            Thread.sleep(end - now + 50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a new quota window", e);
        }
    }
}
