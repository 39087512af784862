package dev.sluice.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/** The PEM bundle of {@code sluice.upstream.tls.ca-file}: the CAs https backends are verified against (§11). */
public final class CaBundle {

    private CaBundle() {
    }

    /** Null when {@code file} is a readable bundle of at least one X.509 certificate, else what is wrong with it. */
    public static String problem(String file) {
        Path path = Path.of(file.trim());
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            return "'" + file + "' is not a readable file";
        }
        try (InputStream in = Files.newInputStream(path)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                return "'" + file + "' holds no PEM certificate";
            }
            return null;
        } catch (CertificateException | IOException e) {
            return "'" + file + "' is not a PEM certificate bundle (" + e.getMessage() + ")";
        }
    }
}
