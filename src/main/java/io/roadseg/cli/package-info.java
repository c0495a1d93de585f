/**
 * The {@code roadseg} command line (picocli): {@code run}, {@code bench}, {@code export-model}. Every command has
 * {@code --help}; errors print one line naming the input and the problem and exit non-zero (a stack trace only
 * with {@code --verbose}).
 */
package io.roadseg.cli;
