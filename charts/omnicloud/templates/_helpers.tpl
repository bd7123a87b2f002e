{{- define "omnicloud.fullname" -}}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "omnicloud.serviceAccountName" -}}
{{- default (include "omnicloud.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "omnicloud.labels" -}}
app.kubernetes.io/name: omnicloud-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "omnicloud.selectorLabels" -}}
app.kubernetes.io/name: omnicloud-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "omnicloud.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end -}}
