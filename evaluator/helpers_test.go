package evaluator

import "github.com/sluicehq/sluice/evaluator/interaction"

func interactionPrincipal(id string) interaction.Principal {
	return interaction.Principal{ID: id, Source: "test"}
}
