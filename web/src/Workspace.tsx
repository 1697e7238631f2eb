import type { Client } from '@collabcampus/client';
import type { Project, User } from '@collabcampus/protocol';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { BoardView } from './BoardView';
import { useStatus } from './hooks';
import { describeError } from './messages';

type Notify = (text: string, tone?: 'error' | 'info') => void;

/** Signed in: the project list (live) beside the open board. */
export function Workspace({
  client,
  user,
  notify,
}: {
  client: Client;
  user: User;
  notify: Notify;
}) {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const status = useStatus(client);

  // Only the newest listing is shown: one read before a create must not hide the new project.
  const listings = useRef(0);
  const reload = useCallback(() => {
    const listing = ++listings.current;
    client.projects.list().then(
      (list) => listing === listings.current && setProjects(list),
      (err: unknown) => notify(describeError(err, String)),
    );
  }, [client, notify]);

  // Listed at once (REST needs no socket), and again after every reconnect: memberships may
  // have changed while the live notifications could not arrive.
  useEffect(reload, [reload]);
  const lastStatus = useRef(status);
  useEffect(() => {
    if (status === 'online' && lastStatus.current === 'reconnecting') reload();
    lastStatus.current = status;
  }, [status, reload]);

  useEffect(() => {
    const offAdded = client.on('projectAdded', ({ name }) => {
      notify(`You were added to “${name}”.`, 'info');
      reload();
    });
    const offRemoved = client.on('projectRemoved', ({ projectId }) => {
      setProjects((list) => list && list.filter((p) => p.id !== projectId));
      setOpenId((id) => {
        if (id === projectId) notify('You were removed from that project.', 'info');
        return id === projectId ? null : id;
      });
    });
    return () => {
      offAdded();
      offRemoved();
    };
  }, [client, notify, reload]);

  const open = projects?.find((p) => p.id === openId) ?? null;

  return (
    <div className="workspace">
      <nav className="sidebar" aria-label="Projects">
        <h2 className="sidebar-title">Projects</h2>
        {projects === null ? (
          <p className="muted small">Loading…</p>
        ) : projects.length === 0 ? (
          <p className="muted small">No projects yet. Create one below.</p>
        ) : (
          <ul className="project-list">
            {projects.map((p) => (
              <li key={p.id}>
                <button
                  type="button"
                  className="project-item"
                  data-testid="project-item"
                  data-project-id={p.id}
                  aria-current={p.id === openId ? 'page' : undefined}
                  onClick={() => setOpenId(p.id)}
                >
                  <span className="project-initial" aria-hidden="true">
                    {p.name.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="project-name">{p.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <NewProject
          client={client}
          notify={notify}
          onCreated={(project) => {
            setProjects((list) => [...(list ?? []).filter((p) => p.id !== project.id), project]);
            setOpenId(project.id);
            reload();
          }}
        />
      </nav>
      <main className="main">
        {open ? (
          <BoardView key={open.id} client={client} project={open} me={user} notify={notify} />
        ) : (
          <div className="empty">
            <h1>Welcome, {user.name}</h1>
            <p className="muted">Pick a project on the left, or create one to start a board.</p>
          </div>
        )}
      </main>
    </div>
  );
}

function NewProject({
  client,
  notify,
  onCreated,
}: {
  client: Client;
  notify: Notify;
  onCreated: (project: Project) => void;
}) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    try {
      onCreated(await client.projects.create(name.trim()));
      setName('');
    } catch (err) {
      notify(describeError(err, String));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="new-project" onSubmit={(e) => void submit(e)}>
      <label className="field compact">
        <span>New project</span>
        <input
          data-testid="project-new-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Spring launch"
          maxLength={100}
        />
      </label>
      <button
        className="button primary"
        data-testid="project-create"
        disabled={busy || !name.trim()}
      >
        Create
      </button>
    </form>
  );
}
