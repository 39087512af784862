{{/*
Expand the name of the chart.
*/}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "sluice.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "sluice.labels" -}}
helm.sh/chart: {{ include "sluice.chart" . }}
{{ include "sluice.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The component of the chart's Deployment: the proxy itself (edge) or the application Sluice sits beside (sidecar).
*/}}
{{- define "sluice.component" -}}
{{- if eq .Values.mode "sidecar" }}app{{ else }}proxy{{ end }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret with keys.yaml and the backend api keys: the user's own, or the chart's.
*/}}
{{- define "sluice.secretName" -}}
{{- default (include "sluice.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
The names of the backend api key entries of that Secret, each given to Sluice as an environment variable.
*/}}
{{- define "sluice.apiKeyNames" -}}
{{- if .Values.existingSecret }}
{{- toJson .Values.existingSecretApiKeys }}
{{- else }}
{{- toJson (keys .Values.apiKeys | sortAlpha) }}
{{- end }}
{{- end }}

{{/*
keys.yaml of the chart's Secret: the client keys (sluice.keys) and the admin keys (sluice.admin.keys).
*/}}
{{- define "sluice.keysYaml" -}}
{{- $sluice := dict }}
{{- if .Values.keys }}
{{- $_ := set $sluice "keys" .Values.keys }}
{{- end }}
{{- if .Values.adminKeys }}
{{- $_ := set $sluice "admin" (dict "keys" .Values.adminKeys) }}
{{- end }}
{{- if $sluice }}
{{- dict "sluice" $sluice | toYaml }}
{{- else }}
{{- "{}" }}
{{- end }}
{{- end }}

{{/*
"true" when Sluice keeps its limits in Redis (the chart's or an external one), else empty.
*/}}
{{- define "sluice.redisUsed" -}}
{{- if and .Values.redis.enabled (or .Values.redis.external.url .Values.redis.external.existingSecret) }}
{{- fail "Set either redis.enabled or redis.external, not both." }}
{{- end }}
{{- if and (ne (.Values.redis.external.clientType | default "standalone") "standalone") (not (or .Values.redis.external.url .Values.redis.external.existingSecret)) }}
{{- fail "redis.external.clientType cluster or sentinel needs redis.external.url or redis.external.existingSecret: the cluster's masters or the sentinels." }}
{{- end }}
{{- if and (eq (.Values.redis.external.clientType | default "standalone") "sentinel") (not .Values.redis.external.masterName) }}
{{- fail "redis.external.clientType sentinel needs redis.external.masterName: the name the sentinels monitor the primary under." }}
{{- end }}
{{- if or .Values.redis.enabled .Values.redis.external.url .Values.redis.external.existingSecret }}true{{ end }}
{{- end }}

{{/*
The chart's Redis: name and selector labels.
*/}}
{{- define "sluice.redisName" -}}
{{- printf "%s-redis" (include "sluice.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sluice.redisSelectorLabels" -}}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/component: redis
{{- end }}

{{/*
sluice.yaml: .Values.config under `sluice:`, with limits.store set to redis when Redis is used.
*/}}
{{- define "sluice.configYaml" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- if hasKey $config "keys" }}
{{- fail "Client keys belong in .Values.keys (kept in the Secret), not in .Values.config.keys." }}
{{- end }}
{{- if hasKey ($config.admin | default dict) "keys" }}
{{- fail "Admin keys belong in .Values.adminKeys (kept in the Secret), not in .Values.config.admin.keys." }}
{{- end }}
{{- if include "sluice.redisUsed" . }}
{{- $limits := get $config "limits" | default dict }}
{{- $_ := set $limits "store" "redis" }}
{{- $_ := set $config "limits" $limits }}
{{- end }}
{{- dict "sluice" $config | toYaml }}
{{- end }}

{{/*
The Sluice container. In sidecar mode it is a native sidecar: an init container with restartPolicy: Always.
*/}}
{{- define "sluice.container" -}}
- name: sluice
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if eq .Values.mode "sidecar" }}
  restartPolicy: Always
  {{- end }}
  ports:
    - name: http
      containerPort: 8080
      protocol: TCP
    # Health and metrics (Quarkus' management interface): never on the proxy's port.
    - name: management
      containerPort: 9000
      protocol: TCP
  env:
    - name: SLUICE_CONFIG
      value: /etc/sluice/sluice.yaml
    # Adds the client keys from the Secret to the configuration.
    - name: QUARKUS_CONFIG_LOCATIONS
      value: /etc/sluice/keys.yaml
    {{- if .Values.redis.enabled }}
    - name: QUARKUS_REDIS_HOSTS
      value: "redis://{{ include "sluice.redisName" . }}:6379"
    {{- else if .Values.redis.external.existingSecret }}
    - name: QUARKUS_REDIS_HOSTS
      valueFrom:
        secretKeyRef:
          name: {{ .Values.redis.external.existingSecret }}
          key: {{ .Values.redis.external.existingSecretKey }}
    {{- else if .Values.redis.external.url }}
    - name: QUARKUS_REDIS_HOSTS
      value: {{ .Values.redis.external.url | quote }}
    {{- end }}
    {{- if and (not .Values.redis.enabled) (ne (.Values.redis.external.clientType | default "standalone") "standalone") }}
    # A Redis Cluster (QUARKUS_REDIS_HOSTS: some of its masters) or a Sentinel-managed primary (the sentinels)
    - name: QUARKUS_REDIS_CLIENT_TYPE
      value: {{ .Values.redis.external.clientType | quote }}
    {{- if eq .Values.redis.external.clientType "sentinel" }}
    - name: QUARKUS_REDIS_MASTER_NAME
      value: {{ .Values.redis.external.masterName | quote }}
    {{- end }}
    {{- end }}
    {{- range (include "sluice.apiKeyNames" . | fromJsonArray) }}
    - name: {{ . }}
      valueFrom:
        secretKeyRef:
          name: {{ include "sluice.secretName" $ }}
          key: {{ . }}
    {{- end }}
    {{- with .Values.javaOptions }}
    - name: JDK_JAVA_OPTIONS
      value: {{ . | quote }}
    {{- end }}
    {{- with .Values.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.startupProbe }}
  startupProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.livenessProbe }}
  livenessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.readinessProbe }}
  readinessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if and (ne .Values.mode "sidecar") (gt (int .Values.preStopSleepSeconds) 0) }}
  lifecycle:
    preStop:
      sleep:
        seconds: {{ int .Values.preStopSleepSeconds }}
  {{- end }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: sluice-config
      mountPath: /etc/sluice
      readOnly: true
    - name: sluice-tmp
      mountPath: /tmp
    {{- with .Values.volumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/*
sluice.shutdown-grace in whole seconds (30 when unset), read from its forms 500ms, 30s, 2m, 1h, 1d or a bare number
of seconds; 0 for an ISO-8601 form (PT30S), which the template does not read: terminationGracePeriodSeconds then
stands as given.
*/}}
{{- define "sluice.shutdownGraceSeconds" -}}
{{- $grace := toString (get (.Values.config | default dict) "shutdown-grace" | default "30s") -}}
{{- $number := regexFind "^[0-9]+" $grace | default "0" | int -}}
{{- $unit := regexReplaceAll "^[0-9]+" $grace "" -}}
{{- if eq $unit "ms" }}{{ div (add $number 999) 1000 }}
{{- else if or (eq $unit "s") (eq $unit "") }}{{ $number }}
{{- else if eq $unit "m" }}{{ mul $number 60 }}
{{- else if eq $unit "h" }}{{ mul $number 3600 }}
{{- else if eq $unit "d" }}{{ mul $number 86400 }}
{{- else }}0{{ end }}
{{- end }}

{{/*
The pod's grace period: terminationGracePeriodSeconds, raised when sluice.shutdown-grace (plus the pre-stop pause,
outside sidecar mode, and 10 s to exit) needs more, so that a longer grace is not cut by the kubelet's SIGKILL.
*/}}
{{- define "sluice.terminationGracePeriodSeconds" -}}
{{- $pause := ternary 0 (int .Values.preStopSleepSeconds) (eq .Values.mode "sidecar") -}}
{{- $needed := add (include "sluice.shutdownGraceSeconds" . | int) $pause 10 -}}
{{- max (int .Values.terminationGracePeriodSeconds) $needed -}}
{{- end }}
