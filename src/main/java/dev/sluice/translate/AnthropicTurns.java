package dev.sluice.translate;

import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * Anthropic {@code messages} being built: a turn with no content block is left out, and consecutive turns of one
 * role become one turn (contract §9), so that tool results and the user's next words share a turn.
 */
final class AnthropicTurns {

    private final ArrayNode turns = Json.array();
    private String lastRole;
    private ArrayNode lastBlocks;

    void add(String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        if (!role.equals(lastRole)) {
            lastRole = role;
            lastBlocks = turns.addObject().put("role", role).putArray("content");
        }
        lastBlocks.addAll(blocks);
    }

    boolean isEmpty() {
        return turns.isEmpty();
    }

    ArrayNode turns() {
        return turns;
    }
}
