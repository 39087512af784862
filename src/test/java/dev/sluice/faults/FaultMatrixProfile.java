package dev.sluice.faults;

import dev.sluice.testing.BackendsResource;
import dev.sluice.testing.TestPorts;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy the fault matrix runs against: the models of {@link FaultMatrix} over two test backends, the short
 * timeouts of the other end-to-end profiles, a circuit breaker too lenient to open (every cell fails on purpose),
 * and an account per cell with every limit that can leak — a concurrency limit, a request quota and credits on a
 * priced model. Each store's test class extends it with the store.
 */
public abstract class FaultMatrixProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return new ArrayList<>(List.of(BackendsResource.of(FaultMatrix.BACKENDS)));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.upstream.connect-timeout", "500ms");
        config.put("sluice.upstream.first-byte-timeout", "400ms");
        config.put("sluice.upstream.idle-timeout", "400ms");
        config.put("sluice.upstream.circuit-breaker.request-volume", "1000000");
        config.put("sluice.control-plane-rate", "1000");

        int key = 0;
        for (FaultMatrix.Fault fault : FaultMatrix.Fault.values()) {
            for (FaultMatrix.Body body : FaultMatrix.Body.values()) {
                String account = FaultMatrix.Cell.account(fault, body);
                config.put("sluice.accounts." + account + ".concurrency", Integer.toString(FaultMatrix.CONCURRENCY));
                config.put("sluice.accounts." + account + ".requests-per-window", Long.toString(FaultMatrix.QUOTA));
                config.put("sluice.accounts." + account + ".window", "1h");
                config.put("sluice.accounts." + account + ".credits", Double.toString(FaultMatrix.CREDITS));
                config.put("sluice.keys[" + key + "].key", "sk-" + account);
                config.put("sluice.keys[" + key + "].account", account);
                key++;
            }
        }
        // every cell's account keeps its own sluice_inflight series
        config.put("sluice.metrics.inflight-accounts", Integer.toString(key));

        for (String model : new String[] {FaultMatrix.MODEL, FaultMatrix.REFUSED_MODEL, FaultMatrix.TRANSLATED_MODEL,
            FaultMatrix.PATIENT_MODEL}) {
            config.put("sluice.models." + model + ".price.input-per-1k", Double.toString(FaultMatrix.INPUT_PER_1K));
            config.put("sluice.models." + model + ".price.output-per-1k", Double.toString(FaultMatrix.OUTPUT_PER_1K));
        }
        for (int i = 0; i < FaultMatrix.BACKENDS.length; i++) {
            String backend = FaultMatrix.BACKENDS[i];
            config.put("sluice.models." + FaultMatrix.MODEL + ".backends[" + i + "].name", backend);
            config.put("sluice.models." + FaultMatrix.MODEL + ".backends[" + i + "].url", BackendsResource.url(backend));
            config.put("sluice.models." + FaultMatrix.PATIENT_MODEL + ".backends[" + i + "].name", "p" + backend);
            config.put("sluice.models." + FaultMatrix.PATIENT_MODEL + ".backends[" + i + "].url",
                    BackendsResource.url(backend));
            // nothing listens on these ports: every connection is refused
            config.put("sluice.models." + FaultMatrix.REFUSED_MODEL + ".backends[" + i + "].name", "refused-" + i);
            config.put("sluice.models." + FaultMatrix.REFUSED_MODEL + ".backends[" + i + "].url",
                    "http://127.0.0.1:" + TestPorts.refused());
            // the same servers, spoken to as Anthropic backends: their answers are read to be translated (§9)
            config.put("sluice.models." + FaultMatrix.TRANSLATED_MODEL + ".backends[" + i + "].name", "t" + backend);
            config.put("sluice.models." + FaultMatrix.TRANSLATED_MODEL + ".backends[" + i + "].url",
                    BackendsResource.url(backend));
        }
        config.put("sluice.models." + FaultMatrix.TRANSLATED_MODEL + ".protocol", "anthropic");
        config.put("sluice.models." + FaultMatrix.PATIENT_MODEL + ".upstream.first-byte-timeout", "5s");
        config.put("sluice.models." + FaultMatrix.PATIENT_MODEL + ".upstream.idle-timeout", "5s");
        return config;
    }
}
