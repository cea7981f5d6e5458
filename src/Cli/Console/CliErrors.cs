using Amber.Data.Corpora;

namespace Amber.Cli;

/// <summary>
/// Turns the errors a user can fix (bad input files, bad options, missing folders) into one message on standard error
/// and exit code 2, never a stack trace.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code for input or usage errors.</summary>
    public const int InputError = 2;

    /// <summary>Runs <paramref name="action"/>; returns its exit code, or prints the error and returns <see cref="InputError"/>.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            var shown = e is AggregateException a ? a.InnerExceptions[0] : e;
            await System.Console.Error.WriteLineAsync("error: " + shown.Message);
            return InputError;
        }
    }

    private static bool IsUserError(Exception e) => e switch
    {
        AggregateException a => a.InnerExceptions.Count > 0 && IsUserError(a.InnerExceptions[0]),
        DataFormatException or ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or FormatException => true,
        _ => false,
    };

    /// <summary>Synchronous form of <see cref="RunAsync"/>.</summary>
    public static int Run(Func<int> action) => RunAsync(() => Task.FromResult(action())).GetAwaiter().GetResult();
}
