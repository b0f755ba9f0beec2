/**
 * Facts the demo model is trained on: the capital of every UN member state (193), cities for the
 * weather and time tools, currencies and search topics. One capital per country (the seat of
 * government where a country names two).
 */

export const CAPITALS: readonly (readonly [country: string, capital: string])[] = [
  ['Afghanistan', 'Kabul'], ['Albania', 'Tirana'], ['Algeria', 'Algiers'], ['Andorra', 'Andorra la Vella'],
  ['Angola', 'Luanda'], ['Antigua and Barbuda', "Saint John's"], ['Argentina', 'Buenos Aires'], ['Armenia', 'Yerevan'],
  ['Australia', 'Canberra'], ['Austria', 'Vienna'], ['Azerbaijan', 'Baku'], ['Bahamas', 'Nassau'],
  ['Bahrain', 'Manama'], ['Bangladesh', 'Dhaka'], ['Barbados', 'Bridgetown'], ['Belarus', 'Minsk'],
  ['Belgium', 'Brussels'], ['Belize', 'Belmopan'], ['Benin', 'Porto-Novo'], ['Bhutan', 'Thimphu'],
  ['Bolivia', 'Sucre'], ['Bosnia and Herzegovina', 'Sarajevo'], ['Botswana', 'Gaborone'], ['Brazil', 'Brasília'],
  ['Brunei', 'Bandar Seri Begawan'], ['Bulgaria', 'Sofia'], ['Burkina Faso', 'Ouagadougou'], ['Burundi', 'Gitega'],
  ['Cabo Verde', 'Praia'], ['Cambodia', 'Phnom Penh'], ['Cameroon', 'Yaoundé'], ['Canada', 'Ottawa'],
  ['Central African Republic', 'Bangui'], ['Chad', "N'Djamena"], ['Chile', 'Santiago'], ['China', 'Beijing'],
  ['Colombia', 'Bogotá'], ['Comoros', 'Moroni'], ['Congo', 'Brazzaville'], ['Costa Rica', 'San José'],
  ["Côte d'Ivoire", 'Yamoussoukro'], ['Croatia', 'Zagreb'], ['Cuba', 'Havana'], ['Cyprus', 'Nicosia'],
  ['Czechia', 'Prague'], ['Democratic Republic of the Congo', 'Kinshasa'], ['Denmark', 'Copenhagen'], ['Djibouti', 'Djibouti'],
  ['Dominica', 'Roseau'], ['Dominican Republic', 'Santo Domingo'], ['Ecuador', 'Quito'], ['Egypt', 'Cairo'],
  ['El Salvador', 'San Salvador'], ['Equatorial Guinea', 'Malabo'], ['Eritrea', 'Asmara'], ['Estonia', 'Tallinn'],
  ['Eswatini', 'Mbabane'], ['Ethiopia', 'Addis Ababa'], ['Fiji', 'Suva'], ['Finland', 'Helsinki'],
  ['France', 'Paris'], ['Gabon', 'Libreville'], ['Gambia', 'Banjul'], ['Georgia', 'Tbilisi'],
  ['Germany', 'Berlin'], ['Ghana', 'Accra'], ['Greece', 'Athens'], ['Grenada', "St. George's"],
  ['Guatemala', 'Guatemala City'], ['Guinea', 'Conakry'], ['Guinea-Bissau', 'Bissau'], ['Guyana', 'Georgetown'],
  ['Haiti', 'Port-au-Prince'], ['Honduras', 'Tegucigalpa'], ['Hungary', 'Budapest'], ['Iceland', 'Reykjavík'],
  ['India', 'New Delhi'], ['Indonesia', 'Jakarta'], ['Iran', 'Tehran'], ['Iraq', 'Baghdad'],
  ['Ireland', 'Dublin'], ['Israel', 'Jerusalem'], ['Italy', 'Rome'], ['Jamaica', 'Kingston'],
  ['Japan', 'Tokyo'], ['Jordan', 'Amman'], ['Kazakhstan', 'Astana'], ['Kenya', 'Nairobi'],
  ['Kiribati', 'Tarawa'], ['Kuwait', 'Kuwait City'], ['Kyrgyzstan', 'Bishkek'], ['Laos', 'Vientiane'],
  ['Latvia', 'Riga'], ['Lebanon', 'Beirut'], ['Lesotho', 'Maseru'], ['Liberia', 'Monrovia'],
  ['Libya', 'Tripoli'], ['Liechtenstein', 'Vaduz'], ['Lithuania', 'Vilnius'], ['Luxembourg', 'Luxembourg'],
  ['Madagascar', 'Antananarivo'], ['Malawi', 'Lilongwe'], ['Malaysia', 'Kuala Lumpur'], ['Maldives', 'Malé'],
  ['Mali', 'Bamako'], ['Malta', 'Valletta'], ['Marshall Islands', 'Majuro'], ['Mauritania', 'Nouakchott'],
  ['Mauritius', 'Port Louis'], ['Mexico', 'Mexico City'], ['Micronesia', 'Palikir'], ['Moldova', 'Chișinău'],
  ['Monaco', 'Monaco'], ['Mongolia', 'Ulaanbaatar'], ['Montenegro', 'Podgorica'], ['Morocco', 'Rabat'],
  ['Mozambique', 'Maputo'], ['Myanmar', 'Naypyidaw'], ['Namibia', 'Windhoek'], ['Nauru', 'Yaren'],
  ['Nepal', 'Kathmandu'], ['Netherlands', 'Amsterdam'], ['New Zealand', 'Wellington'], ['Nicaragua', 'Managua'],
  ['Niger', 'Niamey'], ['Nigeria', 'Abuja'], ['North Korea', 'Pyongyang'], ['North Macedonia', 'Skopje'],
  ['Norway', 'Oslo'], ['Oman', 'Muscat'], ['Pakistan', 'Islamabad'], ['Palau', 'Ngerulmud'],
  ['Panama', 'Panama City'], ['Papua New Guinea', 'Port Moresby'], ['Paraguay', 'Asunción'], ['Peru', 'Lima'],
  ['Philippines', 'Manila'], ['Poland', 'Warsaw'], ['Portugal', 'Lisbon'], ['Qatar', 'Doha'],
  ['Romania', 'Bucharest'], ['Russia', 'Moscow'], ['Rwanda', 'Kigali'], ['Saint Kitts and Nevis', 'Basseterre'],
  ['Saint Lucia', 'Castries'], ['Saint Vincent and the Grenadines', 'Kingstown'], ['Samoa', 'Apia'], ['San Marino', 'San Marino'],
  ['São Tomé and Príncipe', 'São Tomé'], ['Saudi Arabia', 'Riyadh'], ['Senegal', 'Dakar'], ['Serbia', 'Belgrade'],
  ['Seychelles', 'Victoria'], ['Sierra Leone', 'Freetown'], ['Singapore', 'Singapore'], ['Slovakia', 'Bratislava'],
  ['Slovenia', 'Ljubljana'], ['Solomon Islands', 'Honiara'], ['Somalia', 'Mogadishu'], ['South Africa', 'Pretoria'],
  ['South Korea', 'Seoul'], ['South Sudan', 'Juba'], ['Spain', 'Madrid'], ['Sri Lanka', 'Sri Jayawardenepura Kotte'],
  ['Sudan', 'Khartoum'], ['Suriname', 'Paramaribo'], ['Sweden', 'Stockholm'], ['Switzerland', 'Bern'],
  ['Syria', 'Damascus'], ['Tajikistan', 'Dushanbe'], ['Tanzania', 'Dodoma'], ['Thailand', 'Bangkok'],
  ['Timor-Leste', 'Dili'], ['Togo', 'Lomé'], ['Tonga', "Nuku'alofa"], ['Trinidad and Tobago', 'Port of Spain'],
  ['Tunisia', 'Tunis'], ['Türkiye', 'Ankara'], ['Turkmenistan', 'Ashgabat'], ['Tuvalu', 'Funafuti'],
  ['Uganda', 'Kampala'], ['Ukraine', 'Kyiv'], ['United Arab Emirates', 'Abu Dhabi'], ['United Kingdom', 'London'],
  ['United States', 'Washington, D.C.'], ['Uruguay', 'Montevideo'], ['Uzbekistan', 'Tashkent'], ['Vanuatu', 'Port Vila'],
  ['Venezuela', 'Caracas'], ['Vietnam', 'Hanoi'], ['Yemen', "Sana'a"], ['Zambia', 'Lusaka'],
  ['Zimbabwe', 'Harare'],
];

/** Cities for the weather and time tools. The last fifth is held out of training (new argument values). */
export const CITIES: readonly string[] = [
  'Paris', 'London', 'Berlin', 'Madrid', 'Rome', 'Lisbon', 'Vienna', 'Prague', 'Warsaw', 'Budapest',
  'Amsterdam', 'Brussels', 'Dublin', 'Oslo', 'Stockholm', 'Helsinki', 'Copenhagen', 'Athens', 'Istanbul', 'Moscow',
  'Tokyo', 'Osaka', 'Seoul', 'Beijing', 'Shanghai', 'Hong Kong', 'Singapore', 'Bangkok', 'Hanoi', 'Jakarta',
  'Manila', 'Mumbai', 'Delhi', 'Bangalore', 'Karachi', 'Dubai', 'Doha', 'Riyadh', 'Tehran', 'Cairo',
  'Lagos', 'Nairobi', 'Accra', 'Casablanca', 'Cape Town', 'Johannesburg', 'Addis Ababa', 'Dakar', 'Tunis', 'Algiers',
  'New York', 'Los Angeles', 'Chicago', 'Houston', 'Miami', 'Seattle', 'Boston', 'Denver', 'Atlanta', 'San Francisco',
  'Toronto', 'Montreal', 'Vancouver', 'Mexico City', 'Havana', 'Bogotá', 'Lima', 'Santiago', 'Buenos Aires', 'São Paulo',
  'Rio de Janeiro', 'Sydney', 'Melbourne', 'Auckland', 'Perth', 'Zurich', 'Geneva', 'Munich', 'Hamburg', 'Milan',
  'Barcelona', 'Seville', 'Porto', 'Lyon', 'Marseille', 'Edinburgh', 'Manchester', 'Krakow', 'Bucharest', 'Sofia',
  'Belgrade', 'Zagreb', 'Riga', 'Vilnius', 'Tallinn', 'Kyiv', 'Minsk', 'Tbilisi', 'Baku', 'Almaty',
  'Tashkent', 'Kathmandu', 'Dhaka', 'Colombo', 'Kuala Lumpur', 'Taipei', 'Ho Chi Minh City', 'Phnom Penh', 'Yangon', 'Ulaanbaatar',
  'Reykjavik', 'Valencia', 'Florence', 'Naples', 'Venice', 'Nice', 'Bordeaux', 'Cologne', 'Frankfurt', 'Stuttgart',
  'Rotterdam', 'Antwerp', 'Gothenburg', 'Bergen', 'Malmo', 'Gdansk', 'Brno', 'Salzburg', 'Ljubljana', 'Split',
  'Kampala', 'Kigali', 'Lusaka', 'Harare', 'Maputo', 'Luanda', 'Abuja', 'Khartoum', 'Muscat', 'Amman',
  'Beirut', 'Jerusalem', 'Ankara', 'Izmir', 'Marrakesh', 'Quito', 'Caracas', 'Montevideo', 'Asunción', 'La Paz',
  'Panama City', 'San José', 'Guatemala City', 'Kingston', 'Nassau', 'Honolulu', 'Anchorage', 'Phoenix', 'Dallas', 'Portland',
  'Ottawa', 'Calgary', 'Winnipeg', 'Halifax', 'Quebec City', 'Brisbane', 'Adelaide', 'Wellington', 'Christchurch', 'Suva',
  'Nagoya', 'Kyoto', 'Busan', 'Shenzhen', 'Chengdu', 'Wuhan', 'Xian', 'Hangzhou', 'Macau', 'Chennai',
  'Kolkata', 'Hyderabad', 'Pune', 'Lahore', 'Islamabad', 'Kabul', 'Baghdad', 'Damascus', 'Kuwait City', 'Manama',
  'Oxford', 'Cambridge', 'Bristol', 'Glasgow', 'Cardiff', 'Belfast', 'Liverpool', 'Leeds', 'Bologna', 'Turin',
];

export const CURRENCIES: readonly (readonly [code: string, names: readonly string[]])[] = [
  ['USD', ['US dollars', 'dollars']], ['EUR', ['euros']], ['GBP', ['British pounds', 'pounds']], ['JPY', ['yen', 'Japanese yen']],
  ['CHF', ['Swiss francs']], ['CAD', ['Canadian dollars']], ['AUD', ['Australian dollars']], ['CNY', ['yuan', 'Chinese yuan']],
  ['INR', ['rupees', 'Indian rupees']], ['MXN', ['Mexican pesos']], ['BRL', ['reais', 'Brazilian reais']], ['SEK', ['Swedish kronor']],
  ['NOK', ['Norwegian kroner']], ['KRW', ['won', 'South Korean won']], ['SGD', ['Singapore dollars']], ['ZAR', ['rand', 'South African rand']],
  ['PLN', ['zloty', 'Polish zloty']], ['TRY', ['Turkish lira']], ['NZD', ['New Zealand dollars']], ['DKK', ['Danish kroner']],
];

/** Pieces of web-search queries; the query is copied from the prompt, so its words may be anything. */
export const SEARCH_SUBJECTS: readonly string[] = [
  'hiking trails', 'vegetarian restaurants', 'jazz concerts', 'electric cars', 'solar panels', 'coffee shops', 'used bicycles',
  'museum opening hours', 'train tickets', 'cheap flights', 'yoga classes', 'bookstores', 'farmers markets', 'climbing gyms',
  'sourdough recipes', 'marathon results', 'chess tournaments', 'heat pumps', 'rental apartments', 'language schools',
  'film festivals', 'ramen places', 'ski resorts', 'public libraries', 'dog parks', 'science fairs', 'wine bars',
  'camping spots', 'art galleries', 'football scores', 'laptop reviews', 'bird watching tours', 'pottery workshops',
  'night markets', 'vintage guitars', 'board game cafes', 'sushi bars', 'bike repair shops', 'swimming pools', 'book clubs',
  'tennis courts', 'street food', 'photography courses', 'concert tickets', 'botanical gardens', 'craft breweries',
  'kayak rentals', 'co-working spaces', 'bakeries', 'flea markets', 'comedy clubs', 'hot springs', 'surf lessons',
  'chocolate shops', 'cooking classes', 'zoo tickets', 'running clubs', 'tea houses', 'observatories', 'record stores',
];

export const SEARCH_MODIFIERS: readonly string[] = [
  'best', 'cheap', 'family friendly', 'new', 'popular', 'quiet', 'top rated', 'open late', 'local', 'affordable', 'famous', 'small',
];
