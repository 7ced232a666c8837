/**
 * Terminal output: Markdown rendered as an answer streams, progress lines on
 * stderr, and the colour level every coloured output uses. It imports nothing
 * else of aish's; the CLI hands its pieces to the executor and the REPL.
 */
export { colorLevel, type ColorLevel, type ColorSetting } from './color.js';
export { colors } from './chalk-colors.js';
export { MarkdownStream, renderMarkdown, stripAnsi, type MarkdownOptions } from './markdown/index.js';
export { Spinner, FanoutProgress, RecordsProgressLine, type BranchState, type RecordsState } from './progress.js';
export { ControlCharacterStream, showControlCharacters } from './control-characters.js';
