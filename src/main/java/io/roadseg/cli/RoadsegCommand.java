package io.roadseg.cli;

import io.roadseg.engine.InferenceException;
import io.roadseg.sink.SinkException;
import io.roadseg.source.Ffmpeg;
import io.roadseg.source.SourceException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * {@code roadseg}: real-time road-scene segmentation and depth. Entry point of the launcher script and the jar.
 */
@Command(name = "roadseg", mixinStandardHelpOptions = true, version = "roadseg 0.1.0",
        description = "Real-time road-scene segmentation and depth: replay a drive or a camera through the ring, "
                + "write an annotated video, per-frame results and latency statistics.",
        subcommands = {RunCommand.class, InfoCommand.class, BenchCommand.class, EvalCommand.class, CompareCommand.class, MergeCommand.class, SimCommand.class, TrainCommand.class, TrainBundleCommand.class, ExportModelCommand.class,
                BuildEngineCommand.class,
                CommandLine.HelpCommand.class})
public final class RoadsegCommand {
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces and FFmpeg's own log.")
    void verbose(boolean on) {
        verbose = on;
        Ffmpeg.setVerbose(on);
    }

    static boolean verbose;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this rather than {@link #main}). */
    public static int execute(String... args) {
        return execute(null, args);
    }

    /**
     * Runs the command line with its one-line errors (and usage errors) written to {@code errors} instead of standard
     * error — what a caller running many commands in one process (a Spark executor's tasks) reads each one's failure
     * from; the commands' progress lines still go to standard error.
     *
     * @param errors where the "roadseg: …" line of a failure goes; null for standard error
     */
    public static int execute(PrintWriter errors, String... args) {
        verbose = false;
        CommandLine cli = new CommandLine(new RoadsegCommand());
        if (errors != null) {
            cli.setErr(errors);
        }
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("roadseg: " + oneLine(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ex instanceof UsageError ? cmd.getCommandSpec().exitCodeOnInvalidInput() : EXIT_ERROR;
        });
        // a bad option or argument: one line naming it and where the options are listed, not the whole usage
        cli.setParameterExceptionHandler((ex, given) -> {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            int nl = message.indexOf('\n');
            String hint = "";
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
            }
            err.println("roadseg: " + (nl < 0 ? message : message.substring(0, nl)) + hint + " ('"
                    + cmd.getCommandSpec().qualifiedName() + " --help' lists the options)");
            err.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // an option value that asks for more than the JVM has (picocli lets Errors through): one line
            PrintWriter err = cli.getErr();
            err.println("roadseg: out of memory (" + e.getMessage() + "): the options ask for more than this JVM "
                    + "has (-Xmx in ROADSEG_JAVA_OPTS gives it more)");
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_ERROR;
        }
    }

    static String oneLine(Throwable ex) {
        String file = Errors.describe(ex);
        if (file != null) {
            return file;
        }
        boolean known = ex instanceof UserError || ex instanceof UsageError || ex instanceof SourceException || ex instanceof SinkException
                || ex instanceof InferenceException || ex instanceof IOException;
        String msg = ex.getMessage();
        if (!known || msg == null) {
            msg = ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg) + " (run with --verbose for details)";
        }
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }
}
