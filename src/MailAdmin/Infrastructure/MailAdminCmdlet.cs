using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Commands;

/// <summary>
/// Base of every MailAdmin cmdlet. It owns the cancellation token that Ctrl+C
/// (StopProcessing) trips, runs asynchronous engine work while keeping every Write*
/// and ShouldProcess call on the pipeline thread, and turns failures into ErrorRecords
/// with stable ids.
/// </summary>
public abstract class MailAdminCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
    private BlockingCollection<Action>? _pipelineQueue;
    private int _pipelineThreadId;

    /// <summary>Tripped by Ctrl+C; pass it to every engine call.</summary>
    protected CancellationToken CancellationToken => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Ends the pipeline the way PowerShell expects once Ctrl+C was pressed.</summary>
    protected void ThrowIfStopping()
    {
        if (_stopping.IsCancellationRequested)
            throw new PipelineStoppedException();
    }

    /// <summary>
    /// Runs <paramref name="work"/> off the pipeline thread and, meanwhile, executes on the
    /// pipeline thread whatever the work posts with <see cref="OnPipelineThread"/>. Returns
    /// when the work ends; rethrows its exception. Ctrl+C cancels the token, and the wait
    /// is abandoned within a second even if the work ignores it.
    /// </summary>
    protected void RunAsync(Func<CancellationToken, Task> work)
    {
        using var queue = new BlockingCollection<Action>();
        var previousQueue = _pipelineQueue;
        _pipelineQueue = queue;
        _pipelineThreadId = Environment.CurrentManagedThreadId;
        try
        {
            var task = Task.Run(() => work(CancellationToken), CancellationToken);
            task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
            while (!queue.IsCompleted)
            {
                if (queue.TryTake(out var action, 250))
                    action();
                else if (CancellationToken.IsCancellationRequested && !task.Wait(750))
                    throw new PipelineStoppedException();
            }
            // Drain the actions posted just before completion.
            while (queue.TryTake(out var late)) late();
            if (task.IsCanceled || (task.IsFaulted && CancellationToken.IsCancellationRequested))
                throw new PipelineStoppedException();
            task.GetAwaiter().GetResult();
        }
        finally
        {
            _pipelineQueue = previousQueue;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the pipeline thread: at once when already there,
    /// otherwise through <see cref="RunAsync"/>'s queue. The returned task ends when it ran.
    /// </summary>
    protected Task<T> OnPipelineThread<T>(Func<T> action)
    {
        if (_pipelineQueue == null || Environment.CurrentManagedThreadId == _pipelineThreadId)
            return Task.FromResult(action());
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pipelineQueue.Add(() =>
        {
            try { done.SetResult(action()); }
            catch (Exception ex) { done.SetException(ex); }
        });
        return done.Task;
    }

    protected Task OnPipelineThread(Action action) => OnPipelineThread(() => { action(); return true; });

    /// <summary>A non-terminating error: the item failed, the pipeline goes on.</summary>
    protected void WriteError(Exception exception, string errorId, ErrorCategory category, object? target)
    {
        WriteError(new ErrorRecord(exception, errorId, category, target));
    }

    /// <summary>A terminating error: setup failed, nothing more can be done.</summary>
    protected void ThrowTerminating(Exception exception, string errorId, ErrorCategory category, object? target)
    {
        ThrowTerminatingError(new ErrorRecord(exception, errorId, category, target));
    }

    /// <summary>
    /// Resolves -Path (wildcards) or -LiteralPath to file-system paths. A path that matches
    /// nothing is a non-terminating PathNotFound error.
    /// </summary>
    protected IEnumerable<string> ResolveInputPaths(IEnumerable<string> paths, bool literal)
    {
        foreach (var path in paths)
        {
            List<string> resolved = new List<string>();
            try
            {
                if (literal)
                {
                    var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                    if (!File.Exists(full))
                        throw new ItemNotFoundException($"Cannot find path '{path}' because it does not exist.");
                    resolved.Add(full);
                }
                else
                {
                    resolved.AddRange(GetResolvedProviderPathFromPSPath(path, out var provider));
                    if (provider.Name != "FileSystem")
                        throw new ArgumentException($"'{path}' is not a file-system path.");
                    if (resolved.Count == 0 && WildcardPattern.ContainsWildcardCharacters(path))
                        continue; // A wildcard that matches nothing is not an error, as with Get-Item.
                }
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is ArgumentException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                WriteError(ex, "PathNotFound", ErrorCategory.ObjectNotFound, path);
                continue;
            }
            foreach (var file in resolved)
            {
                if (Directory.Exists(file))
                {
                    WriteError(new IOException($"'{file}' is a directory, not a message file."), "PathIsDirectory", ErrorCategory.InvalidArgument, file);
                    continue;
                }
                yield return file;
            }
        }
    }

    /// <summary>Resolves an output path (which need not exist yet) to a file-system path.</summary>
    protected string ResolveOutputPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Releases what a derived cmdlet holds (e.g. a connection opened for this call).</summary>
    protected virtual void OnDispose() { }

    public void Dispose()
    {
        OnDispose();
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
