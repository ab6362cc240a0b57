import { startJob } from '../../core/ops/start';
import { launchExistingCommand } from './run';

export const startCommand = launchExistingCommand('start', 'Start a created job', ['created'], startJob);
