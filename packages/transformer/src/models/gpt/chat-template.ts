/**
 * How a chat (OpenAI's `messages`) becomes one prompt for a model that continues text. GPT exports
 * carry no template of their own, so the chat route uses `roleLinesChatTemplate`; Llama-family
 * models bring theirs with their `tokenizer_config.json` (issue 24).
 */

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant';
  content: string;
}

export interface ChatTemplate {
  readonly name: string;
  /** The prompt for the assistant's next turn. */
  render(messages: readonly ChatMessage[]): string;
  /** Text that starts another turn: the assistant's reply ends before it. */
  readonly stop: readonly string[];
}

/**
 * One `role: content` line per message, then `assistant:` for the model to continue:
 *
 *     system: You are terse.
 *     user: Hello
 *     assistant:
 *
 * The reply ends where the model starts the next `user:` line.
 */
export const roleLinesChatTemplate: ChatTemplate = {
  name: 'role-lines',
  render: (messages) => `${messages.map((message) => `${message.role}: ${message.content}\n`).join('')}assistant:`,
  stop: ['\nuser:'],
};
