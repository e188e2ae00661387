# A change to the Pulumi CLI, applied at build time to a copy of one package of its module (the
# module stays as fetched; nothing of upstream is kept in this repository).
#
# Every CLI run that opens a stack's secrets (each `up`, `destroy`, `preview`, `config`) first
# derives the stack's key from its passphrase: PBKDF2-SHA256 with 1,000,000 rounds, 0.26 s of CPU
# here, on the critical path before the program starts. labctl has that key already: it derives it
# once per stack and keeps it beside the passphrase file (.labs/passphrase-keys.json, mode 0600;
# see lab-workloads/access/stack-secrets.ts). With this change the CLI takes the key from
# PULUMI_LABS_PASSPHRASE_KEY (base64 of the 32 bytes) when that key opens the stack's check value
# (the encrypted word `pulumi` kept with the salt), and otherwise derives it from the passphrase as
# before. The variable sits beside PULUMI_CONFIG_PASSPHRASE, which labctl already gives the CLI,
# and reveals no more than it does.
#
#   patch_cli_passphrase_key <pkg module dir>   edits pkg/secrets/passphrase/manager.go and adds
#                                               labs_passphrase_key.go; fails, changing nothing,
#                                               unless the key's derivation in
#                                               symmetricCrypterFromPhraseAndState is found once
patch_cli_passphrase_key() {
    local dir=$1/secrets/passphrase file n
    # The one line replaced, as grep -E and awk both read it (awk from its environment: no escapes processed).
    local line='^[[:space:]]*decrypter := config\.NewSymmetricCrypterFromPassphrase\(phrase, salt\)[[:space:]]*$'
    file=$dir/manager.go
    n=$(grep -cE "$line" "$file") || true
    [[ $n == 1 ]] || { echo "pulumi cli: the key's derivation 'decrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)' not found once in $file (found $n); update tools/pulumi-cli/passphrase-key.sh for this CLI version" >&2; return 1; }
    [[ ! -e $dir/labs_passphrase_key.go ]] || { echo "pulumi cli: $dir/labs_passphrase_key.go exists already" >&2; return 1; }
    LABS_LINE=$line awk '
        $0 ~ ENVIRON["LABS_LINE"] {
            print "\t// bigdata-labs (tools/pulumi-cli/passphrase-key.sh): the key labctl derived already, if it opens this state."
            print "\tdecrypter := labsGivenKey(state[indexN(state, \":\", 2)+1:])"
            print "\tif decrypter == nil {"
            print "\t\tdecrypter = config.NewSymmetricCrypterFromPassphrase(phrase, salt)"
            print "\t}"
            next
        }
        { print }' "$file" >"$file.new" && mv "$file.new" "$file"
    cat >"$dir/labs_passphrase_key.go" <<'GO'
package passphrase

// bigdata-labs (tools/pulumi-cli/passphrase-key.sh): a stack's key given by labctl, which derived
// it from the same passphrase and salt in an earlier command.

import (
	"context"
	"encoding/base64"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
)

// labsKeyVariable holds the key, base64-encoded.
const labsKeyVariable = "PULUMI_LABS_PASSPHRASE_KEY"

// labsGivenKey returns a crypter with the key in labsKeyVariable when that key opens check (the
// state's encrypted "pulumi"), and nil otherwise: no variable, a malformed key, or another
// stack's key, and the caller derives the key from the passphrase.
func labsGivenKey(check string) config.Crypter {
	text := os.Getenv(labsKeyVariable)
	if text == "" {
		return nil
	}
	key, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(key) != config.SymmetricCrypterKeyBytes {
		return nil
	}
	crypter := config.NewSymmetricCrypter(key)
	// symmetricCrypter does not use ctx.
	if plain, err := crypter.DecryptValue(context.Background(), check); err != nil || plain != "pulumi" {
		return nil
	}
	return crypter
}
GO
}
