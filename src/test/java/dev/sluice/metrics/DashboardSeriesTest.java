package dev.sluice.metrics;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Grafana dashboard (ops/grafana) and the alert rules (ops/prometheus) query only series that Sluice emits: after
 * real traffic (a success, a stream, a retry and an error), every metric name of every PromQL expression, with the
 * labels it filters and groups by, is found in a scrape of /q/metrics.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class DashboardSeriesTest {

    static final Path DASHBOARD = Path.of("ops", "grafana", "sluice-dashboard.json");
    static final Path ALERTS = Path.of("ops", "prometheus", "sluice-alerts.yaml");

    private static final String CHAT = Api.chat("chat");
    private static final String CHAT_STREAM =
            "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** Series Prometheus makes itself rather than scraping them. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");
    /** Labels Prometheus attaches to every scraped series (target labels), absent from /q/metrics itself. */
    private static final Set<String> TARGET_LABELS =
            Set.of("instance", "job", "namespace", "pod", "service", "container", "endpoint");

    @InjectBackends
    Backends backends;
    static Map<String, Set<String>> emitted;

    @BeforeEach
    void driveTrafficOnce() throws InterruptedException {
        if (emitted != null) {
            return;
        }
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        // an Anthropic client on the OpenAI model: translated (sluice_translations_total)
        dev.sluice.testing.Api.anthropic(ProxyProfile.KEY)
                .body("{\"model\":\"chat\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/messages").then().statusCode(200);
        backends.get("a").reply(Replies.sse(3, 0));
        backends.get("b").reply(Replies.sse(3, 0));
        openai(ProxyProfile.KEY).body(CHAT_STREAM).post("/v1/chat/completions").then().statusCode(200);
        // both backends fail: one retry, then a 502
        backends.get("a").reply(Replies.status(503, "{}"));
        backends.get("b").reply(Replies.status(503, "{}"));
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(502);
        // a request for a model with hedge (sluice_hedges_total), and one translated to an Anthropic model
        // (sluice_translations_total), whatever tests ran before in this application
        openai(ProxyProfile.KEY).body(CHAT.replace("\"chat\"", "\"hedged\"")).post("/v1/chat/completions")
                .then().statusCode(200);
        backends.get("d").reply(Replies.json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":7}}"));
        openai(ProxyProfile.KEY).body(CHAT.replace("\"chat\"", "\"claude\"")).post("/v1/chat/completions")
                .then().statusCode(200);
        backends.get("d").reset();
        // one admin call (sluice_admin_requests_total)
        openai(ProxyProfile.ADMIN_KEY).get("/admin/v1/keys").then().statusCode(200);
        // a collection the GC binder sees, so that jvm_gc_pause_seconds exists whatever the test JVM did before; the
        // binder hears of it through an asynchronous JMX notification, so the scrape waits for it (up to 5 s)
        System.gc();
        String scrape = Scrape.now().text();
        for (int i = 0; i < 100 && !scrape.contains("jvm_gc_pause_seconds_max"); i++) {
            Thread.sleep(50);
            scrape = Scrape.now().text();
        }
        emitted = seriesOf(scrape);
    }

    // ------------------------------------------------------------------ the dashboard

    @Test
    void theDashboardParsesWithItsVariablesAndRows() throws IOException {
        JsonNode dashboard = dashboard();

        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(39);
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        dashboard.path("templating").path("list").forEach(variable -> variables.put(variable.path("name").asText(), variable));
        assertThat(variables).containsKeys("datasource", "instance", "model", "backend");
        assertThat(variables.get("datasource").path("type").asText()).isEqualTo("datasource");
        assertThat(variables.get("datasource").path("query").asText()).isEqualTo("prometheus");
        for (String name : List.of("instance", "model", "backend")) {
            assertThat(variableQuery(variables.get(name))).as(name).startsWith("label_values(").endsWith(", " + name + ")");
            assertThat(variables.get(name).path("datasource").path("uid").asText()).as(name).isEqualTo("${datasource}");
        }
        List<String> rows = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            if ("row".equals(panel.path("type").asText())) {
                rows.add(panel.path("title").asText());
            }
        });
        assertThat(rows).containsExactly("Traffic", "Latency", "Streams", "Backends", "Limits", "Control plane", "JVM");
    }

    @Test
    void everyPanelHasTheDatasourceVariableAndAQueryOverTheRateInterval() throws IOException {
        List<JsonNode> panels = panels(dashboard());

        assertThat(panels).hasSizeGreaterThan(20);
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
            assertThat(panel.path("targets").size()).as(title + " targets").isPositive();
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertThat(expr).as(title).isNotBlank();
                assertThat(target.path("datasource").path("uid").asText("${datasource}")).as(title)
                        .isEqualTo("${datasource}");
                Matcher range = Pattern.compile("\\[([^\\]]*)]").matcher(withoutStrings(expr));
                while (range.find()) {
                    assertThat(range.group(1)).as(title + ": " + expr).isEqualTo("$__rate_interval");
                }
            }
        }
    }

    @Test
    void theDashboardQueriesOnlySeriesSluiceEmits() throws IOException {
        Map<String, String> queries = dashboardQueries(dashboard());

        List<String> problems = problems(queries);

        assertThat(problems).isEmpty();
        assertThat(referencedNames(queries)).as("names the dashboard queries").hasSizeGreaterThan(15);
    }

    @Test
    void theDashboardShowsEverySluiceSeries() throws IOException {
        Set<String> shown = new TreeSet<>();
        referencedNames(dashboardQueries(dashboard())).forEach(name -> shown.add(family(name)));
        Set<String> families = new TreeSet<>();
        emitted.keySet().stream().filter(name -> name.startsWith("sluice_")).forEach(name -> families.add(family(name)));

        assertThat(families).hasSizeGreaterThanOrEqualTo(13);
        assertThat(shown).containsAll(families);
    }

    // ------------------------------------------------------------------ the alert rules

    @Test
    void everyAlertRuleHasAnExpressionADurationASeverityAndItsTexts() throws IOException {
        List<Map<String, Object>> rules = alertRules();

        assertThat(rules).isNotEmpty();
        Set<String> names = new LinkedHashSet<>();
        for (Map<String, Object> rule : rules) {
            String name = String.valueOf(rule.get("alert"));
            assertThat(rule).as(name).containsKeys("alert", "expr", "for", "labels", "annotations");
            assertThat(String.valueOf(rule.get("expr"))).as(name).isNotBlank();
            assertThat(String.valueOf(rule.get("for"))).as(name).matches("\\d+[smh]");
            assertThat(cast(rule.get("labels")).get("severity")).as(name).isIn("critical", "warning", "info");
            assertThat(cast(rule.get("annotations"))).as(name).containsKeys("summary", "description", "runbook");
            assertThat(names.add(name)).as("alert names are unique: " + name).isTrue();
        }
        assertThat(names).contains("SluiceInstanceDown", "SluiceHighErrorRatio", "SluiceHighLimitRefusals",
                "SluiceNoHealthyBackends", "SluiceCircuitOpen", "SluiceLimitStoreDegraded", "SluiceLimitStoreErrors",
                "SluiceHighOverhead");
    }

    @Test
    void theAlertRulesQueryOnlySeriesSluiceEmits() throws IOException {
        Map<String, String> queries = new LinkedHashMap<>();
        for (Map<String, Object> rule : alertRules()) {
            queries.put("alert " + rule.get("alert"), String.valueOf(rule.get("expr")));
        }

        assertThat(problems(queries)).isEmpty();
        assertThat(referencedNames(queries)).contains("sluice_requests_total", "sluice_circuit_state",
                "sluice_limit_store_degraded", "sluice_limit_store_errors_total", "sluice_overhead_seconds_bucket");
    }

    // ------------------------------------------------------------------ the check itself

    @Test
    void theCheckRefusesASeriesOrALabelSluiceDoesNotEmit() {
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("a typo", "sum(rate(sluice_request_total[5m]))");
        queries.put("a summary taken for a histogram", "histogram_quantile(0.99, sum by (le) (rate(jvm_gc_pause_seconds_bucket[5m])))");
        queries.put("a label no series has", "sum(rate(sluice_requests_total{backend=\"a\"}[5m]))");
        queries.put("a grouping label no series has", "sum by (tenant) (rate(sluice_requests_total[5m]))");
        queries.put("a label_values label", "label_values(sluice_circuit_state, account)");
        queries.put("Prometheus' own", "up{job=~\".*sluice.*\"} == 0");

        List<String> problems = problems(queries);

        assertThat(problems).hasSize(5).anyMatch(problem -> problem.contains("sluice_request_total"))
                .anyMatch(problem -> problem.contains("jvm_gc_pause_seconds_bucket"))
                .anyMatch(problem -> problem.contains("backend")).anyMatch(problem -> problem.contains("tenant"))
                .anyMatch(problem -> problem.contains("account")).noneMatch(problem -> problem.contains("Prometheus' own"));
    }

    @Test
    void theScannerTellsMetricsFromFunctionsLabelsAndStrings() {
        Refs refs = PromQl.scan("""
                sum by (namespace, class) (label_replace(rate(sluice_requests_total{status=~"5..", code!="x_total"}[5m]),
                  "class", "${1}xx", "status", "([0-9])..")) / on () group_left () sum(rate(sluice_requests_total[5m] offset 1h))
                and on (job) histogram_quantile(0.99, sum by (le) (rate(sluice_overhead_seconds_bucket[$__rate_interval]))) > 5e-3
                """);

        assertThat(refs.matchers().keySet()).containsExactly("sluice_requests_total", "sluice_overhead_seconds_bucket");
        assertThat(refs.matchers().get("sluice_requests_total")).containsExactly("status", "code");
        assertThat(refs.grouping()).containsExactly("namespace", "class", "job", "le");
        assertThat(refs.assigned()).containsExactly("class");
    }

    // ------------------------------------------------------------------ helpers

    static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
    }

    /** The panels that show data (rows left out), nested panels of collapsed rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                panel.path("panels").forEach(panels::add);
            } else {
                panels.add(panel);
            }
        }
        return panels;
    }

    /** The expression with its string literals emptied (a regular expression may hold brackets). */
    static String withoutStrings(String expr) {
        return expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
    }

    static String variableQuery(JsonNode variable) {
        JsonNode query = variable.path("query");
        return query.isObject() ? query.path("query").asText() : query.asText();
    }

    /** Every query of the dashboard (panel targets and variables), by where it is. */
    static Map<String, String> dashboardQueries(JsonNode dashboard) {
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : panels(dashboard)) {
            int index = 0;
            for (JsonNode target : panel.path("targets")) {
                queries.put("panel \"" + panel.path("title").asText() + "\" target " + index++, target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                queries.put("variable " + variable.path("name").asText(), variableQuery(variable));
            }
        }
        return queries;
    }

    static List<Map<String, Object>> alertRules() throws IOException {
        Map<String, Object> file = cast(new Yaml().load(Files.readString(ALERTS, StandardCharsets.UTF_8)));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Object group : (List<?>) file.get("groups")) {
            assertThat(cast(group)).containsKeys("name", "rules");
            for (Object rule : (List<?>) cast(group).get("rules")) {
                rules.add(cast(rule));
            }
        }
        return rules;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object map) {
        return (Map<String, Object>) map;
    }

    /** A histogram's or a counter's family name: without _bucket, _count, _sum, _max or _total. */
    static String family(String name) {
        return name.replaceAll("_(bucket|count|sum|max|total)$", "");
    }

    static Set<String> referencedNames(Map<String, String> queries) {
        Set<String> names = new TreeSet<>();
        queries.values().forEach(query -> names.addAll(PromQl.scan(grafanaQuery(query).expr()).matchers().keySet()));
        return names;
    }

    /** A Grafana {@code label_values(expr, label)} query as its expression and label; any other query as is. */
    static GrafanaQuery grafanaQuery(String query) {
        Matcher labelValues = Pattern.compile("(?s)\\s*label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*")
                .matcher(query);
        return labelValues.matches() ? new GrafanaQuery(labelValues.group(1), labelValues.group(2))
                : new GrafanaQuery(query, null);
    }

    record GrafanaQuery(String expr, String label) {
    }

    /**
     * What is wrong with these queries against the scrape: metric names Sluice does not emit, and label names that
     * none of the series a query reads carries (target labels such as instance and job are Prometheus').
     */
    static List<String> problems(Map<String, String> queries) {
        List<String> problems = new ArrayList<>();
        queries.forEach((where, query) -> {
            GrafanaQuery grafana = grafanaQuery(query);
            Refs refs = PromQl.scan(grafana.expr());
            Set<String> available = new TreeSet<>(TARGET_LABELS);
            available.addAll(refs.assigned());
            int before = problems.size();
            refs.matchers().forEach((name, labels) -> {
                if (PROMETHEUS_OWN.contains(name)) {
                    available.addAll(labels);
                    return;
                }
                Set<String> carried = emitted.get(name);
                if (carried == null) {
                    problems.add(where + ": " + name + " is not in /q/metrics");
                    return;
                }
                available.addAll(carried);
                for (String label : labels) {
                    if (!carried.contains(label) && !TARGET_LABELS.contains(label)) {
                        problems.add(where + ": " + name + " has no label " + label);
                    }
                }
            });
            Set<String> grouping = new TreeSet<>(refs.grouping());
            if (grafana.label() != null) {
                grouping.add(grafana.label());
            }
            if (problems.size() > before) {
                return; // an unknown name: its labels are unknown too
            }
            for (String label : grouping) {
                if (!available.contains(label)) {
                    problems.add(where + ": no series it reads has the label " + label);
                }
            }
        });
        return problems;
    }

    /** Series names of a scrape (text exposition format) with the label names each carries. */
    static Map<String, Set<String>> seriesOf(String text) {
        Map<String, Set<String>> series = new LinkedHashMap<>();
        Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            boolean labelled = brace >= 0 && (space < 0 || brace < space);
            String name = line.substring(0, labelled ? brace : space);
            Set<String> labels = series.computeIfAbsent(name, key -> new TreeSet<>());
            if (labelled) {
                Matcher matcher = label.matcher(line.substring(brace + 1, line.lastIndexOf('}')));
                while (matcher.find()) {
                    labels.add(matcher.group(1));
                }
            }
        }
        return series;
    }

    /**
     * What a PromQL expression reads: each metric name with the label names of its matchers, the labels named in
     * {@code by}, {@code without}, {@code on}, {@code ignoring} and {@code group_left/right} clauses, and the labels
     * {@code label_replace} creates.
     */
    record Refs(Map<String, Set<String>> matchers, Set<String> grouping, Set<String> assigned) {
    }

    /** A small scanner of PromQL: enough to tell metric names from functions, keywords, labels and strings. */
    static final class PromQl {

        private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
        private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan",
                "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
                "quantile", "limitk", "limit_ratio", "atan2");
        private static final Pattern LABEL_REPLACE = Pattern.compile(
                "label_replace\\(.*?,\\s*\"([a-zA-Z_][a-zA-Z0-9_]*)\"\\s*,\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*,"
                        + "\\s*\"[a-zA-Z_][a-zA-Z0-9_]*\"\\s*,\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*\\)",
                Pattern.DOTALL);

        private final String text;
        private int at;

        private PromQl(String text) {
            this.text = text;
        }

        static Refs scan(String expr) {
            Refs refs = new Refs(new LinkedHashMap<>(), new LinkedHashSet<>(), new LinkedHashSet<>());
            Matcher replace = LABEL_REPLACE.matcher(expr);
            while (replace.find()) {
                refs.assigned().add(replace.group(1));
            }
            new PromQl(expr).read(refs);
            return refs;
        }

        private void read(Refs refs) {
            while (at < text.length()) {
                char c = text.charAt(at);
                if (c == '"' || c == '\'' || c == '`') {
                    skipString();
                } else if (c == '#') {
                    while (at < text.length() && text.charAt(at) != '\n') {
                        at++;
                    }
                } else if (c == '[') {
                    at = text.indexOf(']', at) + 1;
                } else if (c == '{') {
                    // a selector without a metric name: nothing to check it against
                    matchers();
                } else if (Character.isDigit(c) || (c == '.' && at + 1 < text.length()
                        && Character.isDigit(text.charAt(at + 1)))) {
                    while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.'
                            || text.charAt(at) == '_')) {
                        at++;
                    }
                } else if (identifierStart(c)) {
                    String word = identifier();
                    char next = nextSignificant();
                    if (GROUPING.contains(word)) {
                        if (next == '(') {
                            refs.grouping().addAll(labelList());
                        }
                    } else if (KEYWORDS.contains(word) || next == '(') {
                        // an operator, an aggregation or a function
                    } else {
                        Set<String> labels = refs.matchers().computeIfAbsent(word, key -> new LinkedHashSet<>());
                        if (next == '{') {
                            labels.addAll(matchers());
                        }
                    }
                } else {
                    at++;
                }
            }
        }

        private static boolean identifierStart(char c) {
            return Character.isLetter(c) || c == '_' || c == ':';
        }

        private String identifier() {
            int start = at;
            while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_'
                    || text.charAt(at) == ':')) {
                at++;
            }
            return text.substring(start, at);
        }

        /** The next character that is not white space (consumed up to it), or 0 at the end. */
        private char nextSignificant() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
            return at < text.length() ? text.charAt(at) : 0;
        }

        private void skipString() {
            char quote = text.charAt(at++);
            while (at < text.length() && text.charAt(at) != quote) {
                at += text.charAt(at) == '\\' && quote != '`' ? 2 : 1;
            }
            at++;
        }

        /** The label names of {@code {a="x", b=~"y"}}, from its opening brace to past its closing one. */
        private List<String> matchers() {
            List<String> labels = new ArrayList<>();
            at++;
            while (at < text.length() && text.charAt(at) != '}') {
                char c = text.charAt(at);
                if (c == '"' || c == '\'' || c == '`') {
                    skipString();
                } else if (identifierStart(c)) {
                    labels.add(identifier());
                } else {
                    at++;
                }
            }
            at++;
            return labels;
        }

        /** The labels of {@code (a, b)}, from its opening parenthesis to past its closing one. */
        private List<String> labelList() {
            int end = text.indexOf(')', at);
            List<String> labels = new ArrayList<>();
            for (String label : text.substring(at + 1, end).split(",")) {
                if (!label.isBlank()) {
                    labels.add(label.trim());
                }
            }
            at = end + 1;
            return labels;
        }
    }
}
