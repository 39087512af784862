package dev.sluice.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Dockerfiles in src/main/docker, read as text (no image is built here): the base image, the user, the port, an
 * exec-form entrypoint that needs no shell, and the JVM image's AOT cache.
 */
class DockerfilesTest {

    static final Path DOCKER = Path.of("src", "main", "docker");

    /** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
    static List<String> instructions(String file) throws IOException {
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(DOCKER.resolve(file), StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty() && current.isEmpty()) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            instructions.add(current.toString().replaceAll("\\s+", " ").strip());
            current.setLength(0);
        }
        return instructions;
    }

    static String only(List<String> instructions, String keyword) {
        List<String> found = instructions.stream().filter(line -> line.startsWith(keyword + " ")).toList();
        assertEquals(1, found.size(), () -> keyword + " in " + instructions);
        return found.get(0).substring(keyword.length() + 1);
    }

    @ParameterizedTest
    @CsvSource({
            "Dockerfile.jvm, eclipse-temurin, 185",
            "Dockerfile.native-micro, quay.io/quarkus/ubi9-quarkus-micro-image, 1001"})
    void runsAsItsNonRootUserOnPort8080WithHealthAndMetricsOn9000(String file, String baseImage, String user) throws IOException {
        // given
        List<String> instructions = instructions(file);

        // then
        assertTrue(only(instructions, "FROM").startsWith(baseImage + ":"), only(instructions, "FROM"));
        assertEquals(user, only(instructions, "USER"));
        assertEquals("8080 9000", only(instructions, "EXPOSE"));
        assertTrue(instructions.stream().noneMatch(line -> line.startsWith("RUN ")), "no shell, even to build");
    }

    @ParameterizedTest
    @CsvSource({"Dockerfile.jvm, java", "Dockerfile.native-micro, ./application"})
    void startsTheApplicationWithoutAShell(String file, String program) throws IOException {
        // when
        Object entrypoint = new Yaml().load(only(instructions(file), "ENTRYPOINT"));

        // then the exec form (a JSON array), whose program is the application itself
        assertTrue(entrypoint instanceof List<?>, "ENTRYPOINT is not in exec form: " + entrypoint);
        List<?> command = (List<?>) entrypoint;
        assertEquals(program, command.get(0));
        assertFalse(command.stream().anyMatch(part -> List.of("sh", "bash", "/bin/sh", "-c").contains(part)));
    }

    @Test
    void theJvmImageRunsTheFastJar() throws IOException {
        // given
        List<String> instructions = instructions("Dockerfile.jvm");

        // then
        for (String layer : List.of("lib/", "*.jar", "app/", "quarkus/")) {
            assertTrue(instructions.stream().anyMatch(line -> line.startsWith("COPY --chown=185 target/quarkus-app/"
                    + layer)), "copies target/quarkus-app/" + layer);
        }
        List<?> command = (List<?>) new Yaml().load(only(instructions, "ENTRYPOINT"));
        assertEquals(List.of("-jar", "/deployments/quarkus-run.jar"), command.subList(command.size() - 2, command.size()));
    }

    @Test
    void theJvmImageRunsAJdk25WithTheAotCacheBesideTheJar() throws IOException {
        // given
        List<String> instructions = instructions("Dockerfile.jvm");
        String text = Files.readString(DOCKER.resolve("Dockerfile.jvm"), StandardCharsets.UTF_8);

        // then a JDK of one build (a JRE's lib/modules differs from the training JDK's: the JVM refuses the cache)
        String from = only(instructions, "FROM");
        assertTrue(from.matches("eclipse-temurin:25\\.0\\.\\d+_\\d+-jdk(-.+)?"), from);
        // the cache in the application's layer, optional (app.aot* matches nothing when it was built without -Paot)
        String copy = "COPY --chown=185 target/quarkus-app/*.jar target/quarkus-app/app.aot* /deployments/";
        assertTrue(instructions.contains(copy), instructions.toString());
        // and given to the JVM before the jar
        List<?> command = (List<?>) new Yaml().load(only(instructions, "ENTRYPOINT"));
        assertTrue(command.indexOf("-XX:AOTCache=/deployments/app.aot") > 0, command.toString());
        assertTrue(command.indexOf("-XX:AOTCache=/deployments/app.aot") < command.indexOf("-jar"), command.toString());
        // the heap a burst grew is given back once the proxy is quiet (issue 12's RSS target)
        assertTrue(command.indexOf("-XX:G1PeriodicGCInterval=15000") > 0, command.toString());
        assertTrue(command.indexOf("-XX:-G1PeriodicGCInvokesConcurrent") > 0, command.toString());
        assertTrue(command.indexOf("-XX:-G1PeriodicGCInvokesConcurrent") < command.indexOf("-jar"), command.toString());
        assertTrue(command.indexOf("-XX:MaxHeapFreeRatio=30") > 0, command.toString());
        assertTrue(command.indexOf("-XX:MaxHeapFreeRatio=30") < command.indexOf("-jar"), command.toString());
        // and the native memory the JIT compiler frees after the start's compilations (the idle RSS target)
        assertTrue(command.indexOf("-XX:TrimNativeHeapInterval=1000") > 0, command.toString());
        assertTrue(command.indexOf("-XX:TrimNativeHeapInterval=1000") < command.indexOf("-jar"), command.toString());
        // and the heap starts large enough for the start's allocations (start-up target)
        assertTrue(command.indexOf("-XX:InitialRAMPercentage=6.25") > 0, command.toString());
        assertTrue(command.indexOf("-XX:InitialRAMPercentage=6.25") < command.indexOf("-jar"), command.toString());
        // as a share of the memory, so that an -Xmx or -Xms in JDK_JAVA_OPTIONS (read before these) still decides:
        // a fixed initial size larger than a user's -Xmx stops the JVM at start
        assertTrue(command.stream().map(Object::toString)
                .noneMatch(option -> option.startsWith("-Xms") || option.startsWith("-XX:InitialHeapSize")),
                command.toString());
        // the comments say where it comes from, that it must be the image's JDK build, and how to go without it
        assertTrue(text.contains("JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 ./mvnw verify -Paot"));
        assertTrue(text.contains("same JDK build as the image's"));
        assertTrue(text.contains("JDK_JAVA_OPTIONS=-XX:AOTMode=off"));
    }

    @Test
    void theNativeImageRunsTheRunner() throws IOException {
        assertTrue(instructions("Dockerfile.native-micro").contains(
                "COPY --chown=1001:root --chmod=0755 target/*-runner /work/application"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Dockerfile.jvm | ./mvnw verify -Paot | docker build -f src/main/docker/Dockerfile.jvm",
            "Dockerfile.native-micro | ./mvnw package -Dnative -Dquarkus.native.container-build=true"
                    + " | docker build -f src/main/docker/Dockerfile.native-micro"})
    void saysHowToBuildIt(String file, String build, String image) throws IOException {
        String text = Files.readString(DOCKER.resolve(file), StandardCharsets.UTF_8);
        assertTrue(text.contains(build), build);
        assertTrue(text.contains(image), image);
    }

    @Test
    void theBuildContextHoldsOnlyWhatTheImagesCopy() throws IOException {
        List<String> ignore = Files.readAllLines(Path.of(".dockerignore"), StandardCharsets.UTF_8);
        assertEquals("*", ignore.get(0));
        assertTrue(ignore.containsAll(List.of("!target/*-runner", "!target/quarkus-app/*")), ignore.toString());
    }
}
