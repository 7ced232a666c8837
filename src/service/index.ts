/** The specialist service (embedded default and the server's core). */
export { SpecialistService, type ServiceOptions } from './service.js';
