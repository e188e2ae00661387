// Command pulumi-resource-docker is the Pulumi resource plugin for the
// "docker" package, built from source: the Terraform Docker provider
// (kreuzwerker) behind pulumi-terraform-bridge, with the resource tokens and
// property names @pulumi/docker sends (docker:index/container:Container,
// .../network:Network, .../volume:Volume, .../remoteImage:RemoteImage).
// The official plugin is built the same way; this one serves no schema, which
// nothing at run time needs (programs use @pulumi/docker's own types).
//
// Build: scripts/toolchain.sh (step docker-provider), or by hand:
//
//	go build -tags no_compose -ldflags "-X main.version=5.2.0" -o pulumi-resource-docker .
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// version is the @pulumi/docker version the program uses (set with -ldflags -X main.version=...).
var version = "5.2.0"

// providerInfo maps the Terraform provider onto the tokens and names @pulumi/docker uses.
func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(provider.New(version)()),
		Name:    "docker",
		Version: version,
		Config: map[string]*tfbridge.SchemaInfo{
			"registry_auth": {Name: "registryAuth"},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok: "docker:index/container:Container",
				// Container names are fixed: the old container must go before its replacement starts.
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image":  {Tok: "docker:index/remoteImage:RemoteImage", Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}},
			"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
	}
	// Every other resource and data source: docker_foo_bar -> docker:index/fooBar:FooBar.
	info.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	info.SetAutonaming(255, "-")
	return info
}

func main() {
	tfbridge.Main("docker", version, providerInfo(), nil)
}
