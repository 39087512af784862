package dev.sluice.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile.TestResourceEntry;
import java.util.Map;

/**
 * Starts a real Redis server on a free port before the proxy starts (and points {@code quarkus.redis.hosts} at it),
 * stops it after the profile's tests. A test class gets it in its {@link InjectRedis} field, to kill, freeze or
 * inspect it.
 */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    private TestRedis redis;

    public static TestResourceEntry entry() {
        return new TestResourceEntry(RedisResource.class);
    }

    @Override
    public Map<String, String> start() {
        redis = TestRedis.start();
        return Map.of("quarkus.redis.hosts", redis.url());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(redis, new TestInjector.AnnotatedAndMatchesType(InjectRedis.class, TestRedis.class));
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.close();
        }
    }
}
