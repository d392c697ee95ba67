# Ctrl+C (StopProcessing) ends a MailAdmin command within a second.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Stopping a command' {
    It 'stops a long Import-MailMessage within a second' {
        $folder = New-TestFolder 'cancel'
        $path = Join-Path $folder 'big.mbox'
        $one = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'bulk' -Body ((('y' * 900) + "`n") * 100)
        $stream = [IO.File]::Open($path, 'Create')
        try { for ($i = 0; $i -lt 100; $i++) { [MailAdmin.Messages.MessageFiles]::AppendMbox($stream, $one) } } finally { $stream.Dispose() }

        $ps = [powershell]::Create()
        try {
            # The same 9 MB file 400 times: minutes of work if nothing stops it.
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:MAILADMIN_TEST_MODULE).Invoke()
            # The import runs on its own, not as a batch statement: a stopped batch's work item can outlive
            # Stop() and crash the process when the runspace is disposed (a PowerShell race).
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Import-MailMessage').AddParameter('LiteralPath', @($path) * 400).AddCommand('Measure-Object')
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $async.IsCompleted | Should -BeFalse -Because 'the import must still be running when it is stopped'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalMilliseconds | Should -BeLessThan 1000
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'MailAdminCmdlet.RunAsync' {
    BeforeAll {
        # A cmdlet built on the module's base class, compiled here: it posts output from a
        # background task and then waits on the cancellation token, as network cmdlets do.
        $mailAdminDll = Join-Path (Split-Path $env:MAILADMIN_TEST_MODULE) 'MailAdmin.dll'
        $source = @'
using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

[Cmdlet("Test", "AsyncWork")]
public sealed class TestAsyncWorkCommand : MailAdmin.Commands.MailAdminCmdlet
{
    [Parameter] public int Items { get; set; } = 3;
    [Parameter] public int WaitSeconds { get; set; }
    [Parameter] public SwitchParameter Fail { get; set; }

    protected override void ProcessRecord()
    {
        int pipelineThread = Environment.CurrentManagedThreadId;
        RunAsync(async token =>
        {
            for (int i = 0; i < Items; i++)
            {
                await Task.Yield();
                int worker = Environment.CurrentManagedThreadId;
                int index = i;
                await OnPipelineThread(() =>
                {
                    var item = new PSObject();
                    item.Properties.Add(new PSNoteProperty("Index", index));
                    item.Properties.Add(new PSNoteProperty("OnPipelineThread", Environment.CurrentManagedThreadId == pipelineThread));
                    item.Properties.Add(new PSNoteProperty("PostedFromOtherThread", worker != pipelineThread));
                    WriteObject(item);
                });
            }
            if (Fail) throw new InvalidOperationException("engine failure");
            await Task.Delay(TimeSpan.FromSeconds(WaitSeconds), token);
        });
    }
}
'@
        $dll = Join-Path (New-TestFolder 'asynccmdlet') 'AsyncTest.dll'
        Add-Type -TypeDefinition $source -ReferencedAssemblies $mailAdminDll, ([psobject].Assembly.Location), ([System.Threading.Tasks.Task].Assembly.Location), ([System.Threading.Thread].Assembly.Location), ([System.Runtime.CompilerServices.IsVolatile].Assembly.Location), (Join-Path ([System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()) netstandard.dll) -OutputAssembly $dll -OutputType Library -IgnoreWarnings -CompilerOptions "/nowarn:CS1701"
        $script:asyncDll = $dll
    }

    It 'writes from the pipeline thread what background work posts' {
        Import-Module $script:asyncDll
        $out = Test-AsyncWork -Items 5
        $out.Count | Should -Be 5
        $out.Index | Should -Be @(0, 1, 2, 3, 4)
        $out.OnPipelineThread | Should -Not -Contain $false
        $out.PostedFromOtherThread | Should -Contain $true
    }

    It 'surfaces an engine exception as an error' {
        Import-Module $script:asyncDll
        { Test-AsyncWork -Items 1 -Fail -ErrorAction Stop } | Should -Throw '*engine failure*'
    }

    It 'cancels waiting work within a second of Stop' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:asyncDll).Invoke()
            # The import runs on its own, not as a batch statement: a stopped batch's work item can outlive
            # Stop() and crash the process when the runspace is disposed (a PowerShell race).
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Test-AsyncWork').AddParameter('Items', 1).AddParameter('WaitSeconds', 60)
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 700
            $async.IsCompleted | Should -BeFalse
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalMilliseconds | Should -BeLessThan 1000
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
    }
}
