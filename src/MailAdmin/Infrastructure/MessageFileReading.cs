using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Reads the messages of one file for a cmdlet: reports progress on large files, and turns
/// a corrupt file or mbox entry into a non-terminating error that names it, so that the
/// rest of the import goes on.
/// </summary>
internal static class MessageFileReading
{
    private const long ProgressThreshold = 4 * 1024 * 1024;
    private static int _activityId = 7000;

    public static IEnumerable<MailMessage> Read(Cmdlet cmdlet, string file)
    {
        int activityId = ++_activityId;
        var clock = Stopwatch.StartNew();
        bool progressShown = false;
        IEnumerator<MessageReadResult> results;
        try
        {
            results = MessageFiles.Read(file, (position, length) =>
            {
                if (length < ProgressThreshold || clock.ElapsedMilliseconds < 250) return;
                clock.Restart();
                progressShown = true;
                int percent = (int)Math.Min(100, position * 100 / Math.Max(1, length));
                cmdlet.WriteProgress(new ProgressRecord(activityId, "Reading messages", $"{file}: {position / (1024 * 1024)} of {length / (1024 * 1024)} MiB") { PercentComplete = percent });
            }).GetEnumerator();
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            cmdlet.WriteError(new ErrorRecord(ex, "MailMessageReadFailed", ErrorCategory.ReadError, file));
            yield break;
        }

        using (results)
        {
            while (true)
            {
                MessageReadResult result;
                try
                {
                    if (!results.MoveNext()) break;
                    result = results.Current;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is MessageFormatException)
                {
                    var error = ex is MessageFormatException ? "MailMessageCorrupt" : "MailMessageReadFailed";
                    var category = ex is MessageFormatException ? ErrorCategory.InvalidData : ErrorCategory.ReadError;
                    cmdlet.WriteError(new ErrorRecord(new IOException($"Cannot read '{file}': {ex.Message}", ex), error, category, file));
                    break;
                }

                if (result.Message != null)
                {
                    yield return result.Message;
                }
                else
                {
                    var ex = new MessageFormatException($"'{result.Source}' is not a valid message: {result.Error!.Message}", result.Error);
                    cmdlet.WriteError(new ErrorRecord(ex, "MailMessageCorrupt", ErrorCategory.InvalidData, result.Source));
                }
            }
        }
        if (progressShown)
            cmdlet.WriteProgress(new ProgressRecord(activityId, "Reading messages", "Done") { RecordType = ProgressRecordType.Completed });
    }
}
