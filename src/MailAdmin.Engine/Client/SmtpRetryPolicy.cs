using System;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Client;

/// <summary>
/// When Send-SmtpMessage tries again (-RetryCount, -RetryDelay): after a transient failure
/// only, i.e. a 4xx reply (to the greeting, MAIL, RCPT or the message data) or a connection
/// that broke or timed out. A 5xx reply is final. The waits double: Delay, 2 x Delay, ...
/// </summary>
public sealed class SmtpRetryPolicy
{
    /// <summary>The longest wait between two attempts, however many retries.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    public SmtpRetryPolicy(int retryCount, TimeSpan delay)
    {
        if (retryCount < 0) throw new ArgumentOutOfRangeException(nameof(retryCount));
        if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delay));
        RetryCount = retryCount;
        Delay = delay;
    }

    /// <summary>Retries after the first attempt; 0 tries once.</summary>
    public int RetryCount { get; }

    /// <summary>The wait before the first retry.</summary>
    public TimeSpan Delay { get; }

    /// <summary>Waits between attempts; replaceable so tests need not sleep.</summary>
    public Func<TimeSpan, CancellationToken, Task> Wait { get; set; } = (delay, token) => delay > TimeSpan.Zero ? Task.Delay(delay, token) : Task.CompletedTask;

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first).</summary>
    public TimeSpan DelayBefore(int retry)
    {
        if (retry < 1) throw new ArgumentOutOfRangeException(nameof(retry));
        var ticks = Delay.Ticks * Math.Pow(2, Math.Min(retry - 1, 30));
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public static bool IsTransient(int? replyCode) => replyCode >= 400 && replyCode < 500;

    /// <summary>A failure worth another attempt: a 4xx reply, a lost connection, a timeout.</summary>
    public static bool IsTransient(MailClientException error)
    {
        if (error == null) throw new ArgumentNullException(nameof(error));
        if (error.ReplyCode.HasValue) return IsTransient(error.ReplyCode);
        return error.Failure == MailClientFailure.ConnectionLost || error.Failure == MailClientFailure.Timeout;
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, fails for good, or the retries are
    /// spent; <paramref name="note"/> hears about each retry (for -Verbose).
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, Action<string>? note, CancellationToken cancellationToken)
    {
        for (var retry = 0; ; retry++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (MailClientException ex) when (retry < RetryCount && IsTransient(ex))
            {
                var delay = DelayBefore(retry + 1);
                note?.Invoke($"{ex.Message} Retrying in {delay.TotalSeconds:0.#} s ({retry + 1} of {RetryCount}).");
                await Wait(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
