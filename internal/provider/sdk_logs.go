package provider

// sdkLogLevels are the environment variables of the plugin SDK's own loggers (terraform-plugin-go
// and terraform-plugin-framework), which log at TRACE when they are not set.
var sdkLogLevels = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// QuietUnreadLogs turns the SDK's loggers off when Terraform drops what they write: Terraform
// keeps a provider's logs only when TF_LOG or TF_LOG_PROVIDER is set, and otherwise discards
// them, while formatting their JSON lines took a fifth of the provider's CPU during a refresh
// (measured with TFSWARM_CPUPROFILE). A level set explicitly is kept, and so is everything when
// Terraform logs. main calls it before serving (and so does the floor provider of `make bench`, to
// compare like with like).
func QuietUnreadLogs(lookup func(string) (string, bool), set func(string, string) error) {
	for _, v := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		if s, ok := lookup(v); ok && s != "" {
			return
		}
	}
	for _, v := range sdkLogLevels {
		if _, ok := lookup(v); !ok {
			_ = set(v, "off")
		}
	}
}
