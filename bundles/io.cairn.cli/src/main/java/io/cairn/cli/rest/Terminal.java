package io.cairn.cli.rest;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a CLI run reads from its environment: variables, the console for passwords, and the lines
 * of its interactive shell.
 */
final class Terminal {

    /** Asks for a secret (echo off) and answers null when there is no console. */
    interface Prompt {
        char[] ask(String question);
    }

    final Map<String, String> env;
    final Prompt prompt;

    Terminal(Map<String, String> env, Prompt prompt) {
        this.env = env;
        this.prompt = prompt;
    }

    static Terminal system() {
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        return new Terminal(System.getenv(), question -> terminal ? console.readPassword("%s", question) : null);
    }

    /** A secret from env {@code variable}, else the console; a clear error when neither has one. */
    char[] secret(String variable, String question, boolean confirm) {
        String v = env.get(variable);
        if (v != null && !v.isEmpty()) {
            return v.toCharArray();
        }
        char[] first = prompt.ask(question);
        if (first == null) {
            throw CliException.failed("no terminal to ask for the password on: set " + variable);
        }
        if (confirm) {
            char[] again = prompt.ask("again: ");
            if (again == null || !java.util.Arrays.equals(first, again)) {
                throw CliException.failed("the two passwords differ");
            }
        }
        return first;
    }

    /** Words of a shell line: whitespace separates, single or double quotes group. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw CliException.usage("unclosed quote in: " + line);
        }
        if (inWord) {
            out.add(w.toString());
        }
        return out;
    }

    /** The interactive shell: one command per line until end of input or {@code exit}; answers the last command's status. */
    static int shell(BufferedReader in, PrintStream out, PrintStream err, String prompt, java.util.function.Function<List<String>, Integer> run)
            throws IOException {
        int last = 0;
        boolean interactive = System.console() != null && System.console().isTerminal();
        for (;;) {
            if (interactive) {
                out.print(prompt);
                out.flush();
            }
            String line = in.readLine();
            if (line == null) {
                return last;
            }
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.equals("exit") || line.equals("quit")) {
                return last;
            }
            List<String> words;
            try {
                words = words(line);
            } catch (CliException e) {
                err.println(e.getMessage());
                last = e.exitCode();
                continue;
            }
            last = run.apply(words);
        }
    }
}
