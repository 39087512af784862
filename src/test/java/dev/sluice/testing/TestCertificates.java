package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made with openssl at test time under target/ (never committed): a test CA, a
 * {@code localhost} certificate it signs, a certificate it signs for another host name, and a self-signed
 * {@code localhost} certificate no CA vouches for. Made once per test JVM; the directory is remembered in a system
 * property so that a test profile and its test class (different class loaders) agree on it.
 */
public final class TestCertificates {

    private static final String DIRECTORY_PROPERTY = "test-certificates.dir";

    /** A certificate (PEM) and its private key (PEM, PKCS #8). */
    public record Pair(Path certificate, Path key) {
    }

    private final Path directory;

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    public static synchronized TestCertificates get() {
        String known = System.getProperty(DIRECTORY_PROPERTY);
        if (known != null) {
            return new TestCertificates(Path.of(known));
        }
        try {
            Files.createDirectories(Path.of("target"));
            Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "test-tls-");
            TestCertificates certificates = new TestCertificates(directory);
            certificates.generate();
            System.setProperty(DIRECTORY_PROPERTY, directory.toString());
            return certificates;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test CA's certificate: the PEM bundle for {@code sluice.upstream.tls.ca-file}. */
    public Path caFile() {
        return directory.resolve("ca.pem");
    }

    /** {@code localhost}, signed by the test CA. */
    public Pair localhost() {
        return pair("localhost");
    }

    /** {@code other.example}, signed by the test CA: valid, but not for {@code localhost}. */
    public Pair otherHost() {
        return pair("other");
    }

    /** {@code localhost}, self-signed: no CA vouches for it. */
    public Pair selfSigned() {
        return pair("self");
    }

    private Pair pair(String name) {
        return new Pair(directory.resolve(name + ".pem"), directory.resolve(name + ".key"));
    }

    private void generate() throws IOException {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Sluice Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout", "ca.key", "-out", "ca.pem");
        signed("localhost", "localhost");
        signed("other", "other.example");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", "self.key", "-out", "self.pem");
    }

    private void signed(String name, String host) throws IOException {
        // the localhost certificate also names 127.0.0.1, for a backend named by its address
        Files.writeString(directory.resolve(name + ".ext"), "subjectAltName=DNS:" + host
                + (host.equals("localhost") ? ",IP:127.0.0.1" : "") + "\n"
                + "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + host, "-keyout", name + ".key",
                "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    private void openssl(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", arguments) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
