// Entry of the dashboard page. In a VS Code webview it listens to the host's messages (each validated: the page
// renders agent output and must not trust its shape) and says "ready" once listening; in the standalone HTML
// file it reads the session embedded in the page. Either way events go into one fold, drawn once per frame.
import './zodJitless';
import './dashboard.css';
import {
  parseHostToWebviewMessage,
  parseStandaloneDashboardData,
  STANDALONE_DATA_ELEMENT_ID,
  type HostToWebviewMessage,
} from '../../src/shared/dashboardProtocol';
import { DashboardModel } from './dashboardModel';
import { DashboardPage } from './dashboardPage';
import { FrameScheduler } from './frameScheduler';
import { acquireHost, type HostBridge } from './hostBridge';

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function handle(message: HostToWebviewMessage, model: DashboardModel, page: DashboardPage, host: HostBridge): void {
  switch (message.type) {
    case 'snapshot':
      model.loadSession(message.session, message.events);
      host.saveState({ sessionId: message.session.sessionId });
      break;
    case 'events':
      model.applyEvents(message.sessionId, message.events);
      break;
    case 'sessionEnded':
      model.endSession(message.sessionId);
      break;
    case 'empty':
      model.showEmpty(message.message);
      host.saveState({ sessionId: null });
      break;
    case 'reveal':
      page.reveal(message.target);
      break;
  }
}

function startInVsCode(model: DashboardModel, page: DashboardPage, host: HostBridge, scheduler: FrameScheduler): void {
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    try {
      handle(parseHostToWebviewMessage(event.data), model, page, host);
    } catch (error) {
      page.showError(`Ignored a message the dashboard could not read. ${describe(error)}`);
    }
    scheduler.request();
  });
  host.post({ type: 'ready' });
}

function startStandalone(model: DashboardModel, page: DashboardPage, scheduler: FrameScheduler): void {
  document.documentElement.classList.add('standalone');
  const element = document.getElementById(STANDALONE_DATA_ELEMENT_ID);
  try {
    if (!element) throw new Error(`the page has no element #${STANDALONE_DATA_ELEMENT_ID}`);
    const data = parseStandaloneDashboardData(JSON.parse(element.textContent ?? ''));
    model.loadSession(data.session, data.events);
  } catch (error) {
    model.showEmpty('This file holds no session the dashboard can show.');
    page.showError(`The embedded session could not be read. ${describe(error)}`);
  }
  scheduler.request();
}

function start(): void {
  const host = acquireHost();
  const model = new DashboardModel();
  const root = document.getElementById('app') ?? document.body;
  const page = new DashboardPage(root, model, host);
  const scheduler = new FrameScheduler(() => page.render());
  if (host.mode === 'vscode') startInVsCode(model, page, host, scheduler);
  else startStandalone(model, page, scheduler);
  scheduler.request();
}

start();
