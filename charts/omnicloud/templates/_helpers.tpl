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


{{/*
Fails the install when a Secret the operator reads is missing or lacks a key, naming both. Against a live
cluster only: `helm template` and client-side dry runs cannot look Secrets up, and render as usual.
*/}}
{{- define "omnicloud.requireSecret" -}}
{{- $ns := .ctx.Release.Namespace -}}
{{- if not .name -}}
{{- fail (printf "%s must name an existing Secret in namespace %s" .value $ns) -}}
{{- end -}}
{{- if lookup "v1" "Namespace" "" "kube-system" -}}
{{- $secret := lookup "v1" "Secret" $ns .name -}}
{{- if not $secret -}}
{{- fail (printf "Secret %s not found in namespace %s (%s): create it with the keys %s before installing" .name $ns .value (join ", " (sortAlpha .keys))) -}}
{{- end -}}
{{- range sortAlpha .keys -}}
{{- if not (hasKey ($secret.data | default dict) .) -}}
{{- fail (printf "Secret %s/%s has no key %s (%s)" $ns $.name . $.value) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
